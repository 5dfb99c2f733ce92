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
  /** `EDGE_ADMIN_TOKEN`; read from the environment by callers, never stored in Pulumi state. */
  token: string;
  /** Per-attempt timeout (default 5 s). */
  timeoutMs?: number;
  /** Extra attempts after a network error, 429 or 5xx (default 2); every admin call is idempotent, so retrying is safe. */
  retries?: number;
}

/** Small authenticated JSON-over-HTTP caller with timeouts and bounded retries, shared by the admin clients. */
export class AdminHttp {
  private readonly base: string;
  constructor(private readonly opts: AdminHttpOptions) {
    if (!opts.baseUrl || !/^https?:\/\//.test(opts.baseUrl)) throw new AdminApiError(`edge URL must be an http(s) URL, got '${opts.baseUrl}' (set EDGE_URL or the resource's edgeUrl)`, 0);
    if (!opts.token) throw new AdminApiError("no edge admin token: set EDGE_ADMIN_TOKEN in the environment", 0);
    this.base = opts.baseUrl.replace(/\/+$/, "");
  }

  /** Performs a call; `undefined` for 404 when `allow404`. */
  async call<T>(method: string, path: string, schema: z.ZodType<T> | undefined, body?: unknown, allow404 = false): Promise<T | undefined> {
    const retries = this.opts.retries ?? 2;
    let lastErr: AdminApiError | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 200 * 2 ** (attempt - 1)));
      let res: Response;
      const signal = AbortSignal.timeout(this.opts.timeoutMs ?? 5000);
      try {
        res = await fetch(`${this.base}${path}`, {
          method,
          headers: { authorization: `Bearer ${this.opts.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
      } catch {
        const why = signal.aborted ? "timed out" : "unreachable";
        lastErr = new AdminApiError(`edge admin API ${why}: ${method} ${path}`, 0);
        continue;
      }
      const text = await res.text();
      if (res.status === 404 && allow404) return undefined;
      if (res.status === 429 || res.status >= 500) {
        lastErr = new AdminApiError(`edge admin API answered ${res.status} to ${method} ${path}`, res.status);
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
    throw lastErr ?? new AdminApiError(`edge admin API failed: ${method} ${path}`, 0);
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
