import type { z } from "zod";
import {
  AdminErrorSchema,
  FLAG_ADMIN_PREFIX,
  FlagEntryResponseSchema,
  FlagListResponseSchema,
  type FlagEntryResponse,
  type FlagListResponse,
  type OverrideRequest,
} from "./admin-api";
import type { FlagDefinition } from "./definition";

/** An admin API failure; never carries the token. */
export class AdminApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, or 0 when the edge could not be reached. */
    public readonly status: number,
    public readonly issues: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
    this.name = "AdminApiError";
  }
}

/** Options of {@link AdminHttp}. */
export interface AdminHttpOptions {
  /** The edge's base URL, e.g. `https://edge.example` (no trailing path). */
  baseUrl: string;
  /**
   * The edge admin token (secret). The FeatureFlag and AlertRule providers get it as a secret resource input; the
   * CLIs and the guardian from their environment. Never echoed in an error.
   */
  token: string;
  /**
   * Per-attempt timeout (default 5 s). An admin write answers only once every edge instance confirmed it, so callers
   * that write (the providers) give it more.
   */
  timeoutMs?: number;
  /** Extra attempts after a network error, timeout, 429 or 5xx (default 2); every admin call is idempotent, so retrying is safe. */
  retries?: number;
  /**
   * Keep retrying while the edge is not ready, up to this long in all (default: off). "Not ready" is no answer, a
   * timeout, 429, 5xx, or 401: right after `pulumi up` changed the edge's env (first deploy, token rotation) the
   * running edge may still hold the previous token until the new deploy is live. For writes in `pulumi up`, never
   * for a preview or refresh, which must not hang.
   */
  readyTimeoutMs?: number;
  /**
   * At most this many calls in flight to one edge from this process (default: unlimited). `pulumi up` creates the
   * stack's ~30 flags and rules in parallel; each write is replicated to every edge instance before it answers.
   */
  maxConcurrent?: number;
}

/** Calls in flight per edge base URL, and who waits for a slot. */
const inFlight = new Map<string, { n: number; waiting: Array<() => void> }>();
async function acquire(key: string, max: number | undefined): Promise<() => void> {
  if (!max || max < 1) return () => {};
  const slot = inFlight.get(key) ?? { n: 0, waiting: [] };
  inFlight.set(key, slot);
  if (slot.n >= max) await new Promise<void>((r) => slot.waiting.push(r));
  else slot.n++;
  return () => {
    const next = slot.waiting.shift();
    if (next) next(); // the slot passes to the next waiter
    else if (--slot.n === 0) inFlight.delete(key);
  };
}

/** Small authenticated JSON-over-HTTP caller with timeouts and bounded retries, shared by the admin clients. */
export class AdminHttp {
  private readonly base: string;
  constructor(private readonly opts: AdminHttpOptions) {
    if (!opts.baseUrl || !/^https?:\/\//.test(opts.baseUrl)) throw new AdminApiError(`edge URL must be an http(s) URL, got '${opts.baseUrl}' (set EDGE_URL or the resource's edgeUrl)`, 0);
    if (!opts.token) throw new AdminApiError("no edge admin token: set EDGE_ADMIN_TOKEN in the environment (resources: pass adminToken)", 0);
    this.base = opts.baseUrl.replace(/\/+$/, "");
  }

  /** Performs a call; `undefined` for 404 when `allow404`. */
  async call<T>(method: string, path: string, schema: z.ZodType<T> | undefined, body?: unknown, allow404 = false): Promise<T | undefined> {
    const retries = this.opts.retries ?? 2;
    const readyBy = this.opts.readyTimeoutMs ? Date.now() + this.opts.readyTimeoutMs : 0;
    let lastErr: AdminApiError | undefined;
    for (let attempt = 0; ; attempt++) {
      // Within the readiness window every "not ready" answer is retried (backoff capped at 5 s); after it, `retries`.
      const more = attempt <= retries || (readyBy > 0 && Date.now() < readyBy);
      if (attempt > 0 && !more) break;
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** Math.min(attempt - 1, 5))));
      let res: Response;
      const timeoutMs = this.opts.timeoutMs ?? 5000;
      // A slot per attempt, not per call: a call waiting out the edge's restart does not hold others back.
      const release = await acquire(this.base, this.opts.maxConcurrent);
      let text: string;
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        res = await fetch(`${this.base}${path}`, {
          method,
          headers: { authorization: `Bearer ${this.opts.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
        text = await res.text();
      } catch {
        const why = signal.aborted ? `timed out after ${timeoutMs} ms` : "unreachable";
        lastErr = new AdminApiError(`edge admin API ${why}: ${method} ${path}`, 0);
        continue;
      } finally {
        release();
      }
      if (res.status === 404 && allow404) return undefined;
      if (res.status === 429 || res.status >= 500) {
        lastErr = new AdminApiError(`edge admin API answered ${res.status} to ${method} ${path}`, res.status);
        continue;
      }
      if (res.status === 401 && readyBy > 0 && Date.now() < readyBy) {
        lastErr = new AdminApiError(`edge admin API refused the token (401) to ${method} ${path}: the edge's EDGE_ADMIN_TOKEN differs (is its new deploy live?)`, 401);
        continue;
      }
      if (!res.ok) {
        const parsed = AdminErrorSchema.safeParse(safeJson(text));
        const detail = parsed.success ? parsed.data.error : text.slice(0, 200);
        throw new AdminApiError(`edge admin API refused ${method} ${path} (${res.status}): ${detail}`, res.status, parsed.success ? parsed.data.issues : []);
      }
      if (!schema) return undefined;
      const parsed = schema.safeParse(safeJson(text));
      if (!parsed.success) throw new AdminApiError(`edge admin API sent an unexpected answer to ${method} ${path}: ${parsed.error.issues[0]?.message}`, res.status);
      return parsed.data;
    }
    const waited = readyBy > 0 ? ` (retried for ${Math.round(this.opts.readyTimeoutMs! / 1000)} s: is the edge's deploy live?)` : "";
    throw lastErr ? new AdminApiError(`${lastErr.message}${waited}`, lastErr.status) : new AdminApiError(`edge admin API failed: ${method} ${path}`, 0);
  }
}

function safeJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Client of the edge's flag admin API (see `admin-api.ts`). */
export class FlagAdminClient {
  private readonly http: AdminHttp;
  constructor(opts: AdminHttpOptions) {
    this.http = new AdminHttp(opts);
  }

  /** Reads `EDGE_URL` / `EDGE_ADMIN_TOKEN` (the URL may be given explicitly, e.g. from a resource input). */
  static fromEnv(baseUrl = process.env.EDGE_URL ?? "", env: NodeJS.ProcessEnv = process.env): FlagAdminClient {
    return new FlagAdminClient({ baseUrl, token: env.EDGE_ADMIN_TOKEN ?? "" });
  }

  list(): Promise<FlagListResponse> {
    return this.http.call("GET", FLAG_ADMIN_PREFIX, FlagListResponseSchema) as Promise<FlagListResponse>;
  }
  get(key: string): Promise<FlagEntryResponse | undefined> {
    return this.http.call("GET", `${FLAG_ADMIN_PREFIX}/${encodeURIComponent(key)}`, FlagEntryResponseSchema, undefined, true);
  }
  put(key: string, definition: FlagDefinition): Promise<FlagEntryResponse> {
    return this.http.call("PUT", `${FLAG_ADMIN_PREFIX}/${encodeURIComponent(key)}`, FlagEntryResponseSchema, definition) as Promise<FlagEntryResponse>;
  }
  /** Deletes a flag; a missing flag is fine (idempotent). */
  async remove(key: string): Promise<void> {
    await this.http.call("DELETE", `${FLAG_ADMIN_PREFIX}/${encodeURIComponent(key)}`, undefined, undefined, true);
  }
  /** The kill switch. */
  setOverride(key: string, req: OverrideRequest): Promise<FlagEntryResponse> {
    return this.http.call("PUT", `${FLAG_ADMIN_PREFIX}/${encodeURIComponent(key)}/override`, FlagEntryResponseSchema, req) as Promise<FlagEntryResponse>;
  }
  clearOverride(key: string): Promise<FlagEntryResponse> {
    return this.http.call("DELETE", `${FLAG_ADMIN_PREFIX}/${encodeURIComponent(key)}/override`, FlagEntryResponseSchema) as Promise<FlagEntryResponse>;
  }
}
