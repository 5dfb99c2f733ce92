import axios, { AxiosInstance, AxiosResponse } from "axios";
import { z } from "zod";
import { backoffDelayMs, BackoffOptions, DEFAULT_BACKOFF, parseRateLimit, rateLimitDelayMs } from "./backoff";
import { RenderConfig } from "./config";
import { RenderApiError } from "./errors";
import { RateLimiter, RateLimitExhausted, templatePath } from "./rate-limiter";
import { redact, registerSecretsIn } from "./redact";
import { requestLog } from "./request-log";

/** HTTP methods the Render API uses. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Query values; arrays are sent as repeated keys (`name=a&name=b`), the form Render's API expects. */
type Query = Record<string, string | number | boolean | ReadonlyArray<string> | undefined>;

/** One logical API call. */
export interface RequestSpec<T> {
  method: HttpMethod;
  /** Path under the API base, built with {@link apiPath} so ids and names are URL-encoded. */
  path: string;
  query?: Query;
  body?: unknown;
  /** Validates the response body; the result's type is the schema's. Omit for empty (202/204) responses. */
  schema?: z.ZodType<T>;
  /**
   * Whether a 5xx or a lost response may be retried. Defaults to true for GET/PUT/DELETE and false otherwise.
   * Set true only for calls that set absolute values (a PATCH of fields, `scale` to N, suspend/resume) or whose
   * repeat supersedes the first (a deploy trigger); never for a POST that creates something: creates are made safe by
   * adoption in the providers instead.
   */
  idempotent?: boolean;
}

/** A request about to be sent, as seen by a write guard (no headers: it has no business with the key). */
export interface OutgoingRequest {
  method: HttpMethod;
  path: string;
  body?: unknown;
}

/** Options for {@link RenderHttp}. */
export interface RenderHttpOptions {
  config: RenderConfig;
  /** Per-attempt timeout, ms (default `RENDER_API_TIMEOUT_MS` or 30 000). */
  timeoutMs?: number;
  /**
   * Attempts per call including the first, for answered failures (429, and 5xx on calls safe to repeat); default 8.
   * With full-jitter backoff (250 ms doubling, 8 s cap) the waits add up to at most ~24 s (half that on average), and
   * a burst of 5xx/429 does not fail an `up`: with one request in five failing, a call fails 0.2^8 ≈ 3·10⁻⁶ of the time.
   */
  maxAttempts?: number;
  /** Attempts when no answer arrives (timeout, connection refused), each up to `timeoutMs`; default min(5, maxAttempts). */
  maxAttemptsWithoutAnswer?: number;
  backoff?: BackoffOptions;
  /** Longest single wait for a 429 reset or a known-empty bucket before giving up, ms (default 60 000). */
  maxRateLimitWaitMs?: number;
  /** Shared bucket tracker (default: one per API URL per process). */
  limiter?: RateLimiter;
  /** Called before every non-GET request; throwing refuses the write before anything is sent. */
  writeGuard?: (req: OutgoingRequest) => Promise<void>;
  /** Called with every successful response body (used to learn resources' environments without extra reads). */
  onResponse?: (req: OutgoingRequest, data: unknown) => void;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Template tag that URL-encodes each interpolated value: apiPath`/services/${id}/env-vars/${key}`. */
export function apiPath(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  return strings.reduce((acc, s, i) => acc + s + (i < values.length ? encodeURIComponent(String(values[i])) : ""), "");
}

/** Serializes a query the way Render expects (repeated keys for arrays, undefined dropped). */
function serializeQuery(q: Query | undefined): string {
  if (!q) return "";
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) sp.append(k, String(item));
    else sp.append(k, String(v));
  }
  return sp.toString();
}

const limiters = new Map<string, RateLimiter>();
function sharedLimiter(apiUrl: string, maxWaitMs: number): RateLimiter {
  let l = limiters.get(apiUrl);
  if (!l) {
    l = new RateLimiter({ maxWaitMs });
    limiters.set(apiUrl, l);
  }
  return l;
}

const IDEMPOTENT_METHODS = new Set<HttpMethod>(["GET", "PUT", "DELETE"]);
const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ERR_SOCKET_CONNECTION_TIMEOUT"]);

/**
 * The transport: axios for HTTP, plus our own small retry loop.
 *
 * Why not axios-retry: the retry decision here depends on three things axios-retry does not model together:
 * the client-side bucket (wait *before* sending), Render's `Ratelimit-Reset` (seconds until reset, not an HTTP
 * date), and a per-call idempotency flag (a field PATCH is safe to repeat, a create POST is not). Each attempt
 * also needs its own log line with its attempt number. A 40-line loop states all of that directly.
 */
export class RenderHttp {
  private readonly ax: AxiosInstance;
  private readonly limiter: RateLimiter;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxAttemptsWithoutAnswer: number;
  private readonly backoff: BackoffOptions;
  private readonly maxRateLimitWaitMs: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: RenderHttpOptions) {
    this.timeoutMs = opts.timeoutMs ?? (Number(process.env.RENDER_API_TIMEOUT_MS) || 30_000);
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
    this.maxAttemptsWithoutAnswer = Math.max(1, Math.min(this.maxAttempts, opts.maxAttemptsWithoutAnswer ?? 5));
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.maxRateLimitWaitMs = opts.maxRateLimitWaitMs ?? 60_000;
    this.limiter = opts.limiter ?? sharedLimiter(opts.config.apiUrl, this.maxRateLimitWaitMs);
    this.random = opts.random ?? Math.random;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.ax = axios.create({
      baseURL: opts.config.apiUrl,
      timeout: this.timeoutMs,
      // We judge statuses ourselves; axios must not throw an error object that carries the request config (and so the key).
      validateStatus: () => true,
      maxRedirects: 0,
      headers: { Accept: "application/json" },
    });
  }

  /** Sends one logical call with retries; returns the validated body. */
  async request<T = void>(spec: RequestSpec<T>): Promise<T> {
    const method = spec.method;
    const path = spec.path.split("?")[0];
    const route = templatePath(path);
    const idempotent = spec.idempotent ?? IDEMPOTENT_METHODS.has(method);
    const fail = (status: number, message: string, attempts: number, retryAfterSeconds?: number): RenderApiError =>
      new RenderApiError({ method, path, status, renderMessage: redact(message, [this.opts.config.apiKey]), attempts, retryAfterSeconds });

    registerSecretsIn(spec.body);
    if (method !== "GET" && this.opts.writeGuard) await this.opts.writeGuard({ method, path, body: spec.body });

    const qs = serializeQuery(spec.query);
    const url = qs ? `${path}?${qs}` : path;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.limiter.acquire(method, path);
      } catch (e) {
        if (e instanceof RateLimitExhausted) throw fail(429, e.message, attempt - 1, e.resetSeconds);
        throw e;
      }
      const started = Date.now();
      let res: AxiosResponse | undefined;
      let transportError: string | undefined;
      let transient = false;
      try {
        res = await this.ax.request({
          method,
          url,
          data: spec.body === undefined ? undefined : JSON.stringify(spec.body),
          headers: {
            Authorization: `Bearer ${this.opts.config.apiKey}`,
            ...(spec.body === undefined ? {} : { "Content-Type": "application/json" }),
          },
          transformResponse: [(raw: unknown) => raw],
          responseType: "text",
        });
      } catch (e) {
        const err = e as { code?: string; message?: string };
        transient = !!err.code && (TRANSIENT_CODES.has(err.code) || /timeout/i.test(err.message ?? ""));
        transportError = err.code ? `${err.code}${/timeout/i.test(err.message ?? "") ? " (timeout)" : ""}` : "transport error";
      }
      const ms = Date.now() - started;
      const status = res?.status ?? 0;
      requestLog.record({ method, path, status, ms, attempt, ...(transportError ? { error: redact(transportError) } : {}) }, route);
      if (res) this.limiter.observe(method, path, parseRateLimit(res.headers as Record<string, unknown>));

      if (res && status >= 200 && status < 300) return this.parse(spec, res, fail, attempt);

      const canRetry = attempt < (status === 0 ? this.maxAttemptsWithoutAnswer : this.maxAttempts);
      if (status === 429) {
        // A 429 was refused before any processing, so it is safe to repeat whatever the method.
        const delay = rateLimitDelayMs(res?.headers as Record<string, unknown>, attempt - 1, this.backoff, this.random);
        if (canRetry && delay <= this.maxRateLimitWaitMs) {
          await this.sleep(delay);
          continue;
        }
        throw fail(429, renderMessage(res) ?? "rate limited", attempt, Math.ceil(delay / 1000));
      }
      if ((status >= 500 || (status === 0 && transient)) && idempotent && canRetry) {
        await this.sleep(backoffDelayMs(attempt - 1, this.backoff, this.random));
        continue;
      }
      if (status === 0) throw fail(0, `${transportError ?? "no response"} after ${ms} ms (timeout ${this.timeoutMs} ms)`, attempt);
      throw fail(status, renderMessage(res) ?? "no message", attempt);
    }
  }

  private parse<T>(spec: RequestSpec<T>, res: AxiosResponse, fail: (s: number, m: string, a: number) => RenderApiError, attempt: number): T {
    const text = typeof res.data === "string" ? res.data : "";
    let data: unknown = undefined;
    if (text.trim() !== "") {
      try {
        data = JSON.parse(text);
      } catch {
        throw fail(res.status, "response body is not JSON", attempt);
      }
    }
    this.opts.onResponse?.({ method: spec.method, path: spec.path, body: spec.body }, data);
    if (!spec.schema) return undefined as T;
    const parsed = spec.schema.safeParse(data);
    if (!parsed.success) {
      // Name the fields, never the values (a value could be a secret).
      const where = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.code}`)
        .join(", ");
      throw fail(res.status, `unexpected response shape (${where})`, attempt);
    }
    return parsed.data;
  }
}

/** Render's error message from a response body (`{"message": …}`), if any. */
function renderMessage(res: AxiosResponse | undefined): string | undefined {
  if (!res || typeof res.data !== "string" || res.data === "") return undefined;
  try {
    const j = JSON.parse(res.data) as { message?: unknown };
    return typeof j.message === "string" ? j.message : undefined;
  } catch {
    return res.data.slice(0, 200);
  }
}
