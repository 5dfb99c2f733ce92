/** Public surface of the Render client. */
export { RenderClient } from "./client";
export { renderConfigFromEnv, DEFAULT_RENDER_API_URL, type RenderConfig } from "./config";
export { RenderApiError, isRenderApiError, isNotFound } from "./errors";
export { RenderHttp, apiPath, type RequestSpec, type RenderHttpOptions, type OutgoingRequest, type HttpMethod } from "./http";
export { paginate } from "./pagination";
export { requestLog, type RequestLogEntry, type RequestCounts } from "./request-log";
export { redact, registerSecret } from "./redact";
export { RateLimiter, bucketOf, templatePath } from "./rate-limiter";
export { backoffDelayMs, parseRateLimit, retryAfterMs } from "./backoff";
export * from "./schemas/service";
export * from "./schemas/env";
export * from "./schemas/postgres";
export * from "./schemas/key-value";
export * from "./schemas/domain";
export * from "./schemas/deploy";
export * from "./schemas/workspace";
export * from "./schemas/common";
