/**
 * A failed Render API call. Carries what an operator needs to act (method, path, status, Render's message) and
 * nothing that could leak: no headers, no key, no request body, and the message is redacted.
 */
export class RenderApiError extends Error {
  /** HTTP method, upper case. */
  readonly method: string;
  /** Path relative to the API base, without the query string (ids are not secret; query values might be). */
  readonly path: string;
  /** HTTP status, or 0 when no response arrived (timeout, connection refused). */
  readonly status: number;
  /** Render's `message` (redacted), or a description of the transport failure. */
  readonly renderMessage: string;
  /** How many attempts were made before giving up. */
  readonly attempts: number;
  /** Seconds until the rate-limit bucket resets, when the failure is a 429 or a client-side limiter refusal. */
  readonly retryAfterSeconds?: number;

  constructor(args: { method: string; path: string; status: number; renderMessage: string; attempts: number; retryAfterSeconds?: number }) {
    const what = args.status === 0 ? "no response" : `HTTP ${args.status}`;
    super(`Render API ${args.method} ${args.path} failed: ${what}: ${args.renderMessage}` + (args.attempts > 1 ? ` (after ${args.attempts} attempts)` : ""));
    this.name = "RenderApiError";
    this.method = args.method;
    this.path = args.path;
    this.status = args.status;
    this.renderMessage = args.renderMessage;
    this.attempts = args.attempts;
    this.retryAfterSeconds = args.retryAfterSeconds;
  }

  /** True when the resource does not exist (404, or 410 for something deleted). */
  get notFound(): boolean {
    return this.status === 404 || this.status === 410;
  }

  /**
   * True when the request may or may not have been applied: a 5xx or no response at all. A create that fails this
   * way must be followed by a lookup before any retry (adoption), never by a blind second POST.
   */
  get outcomeUnknown(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

/** Narrowing helper for `catch (e)`. */
export function isRenderApiError(e: unknown): e is RenderApiError {
  return e instanceof RenderApiError;
}

/** True for a RenderApiError meaning "not found"; everything else (including other errors) is false. */
export function isNotFound(e: unknown): boolean {
  return isRenderApiError(e) && e.notFound;
}
