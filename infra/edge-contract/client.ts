import type { z } from "zod";
import { validateAlertRule, type AlertRule } from "../alerts/rule";
import type { FlagDefinition } from "../flags/definition";
import {
  AdminErrorSchema,
  AnalysisResultSchema,
  EDGE_ADMIN_PATHS,
  EdgeMetricsJsonSchema,
  EdgeStateViewSchema,
  EventsResponseSchema,
  FlagEntryResponseSchema,
  FlagListResponseSchema,
  RuleEntryResponseSchema,
  RuleListResponseSchema,
  SwitchResultSchema,
  VitalsSummarySchema,
  type AnalysisRequest,
  type AnalysisResult,
  type EdgeMetricsJson,
  type EdgeStateView,
  type FlagEntryResponse,
  type FlagListResponse,
  type OverrideRequest,
  type SwitchRequest,
  type SwitchResult,
  type VitalsSummary,
} from "./admin-api";
import type { BodyIssue } from "./http";
import { EdgeStateSchema, type EdgeEvent, type EdgeState } from "./state";

/**
 * Why an admin call failed, for code that branches on it: `timeout` and `unreachable` (no answer; status 0), then
 * one code per answered status class (`invalid-request` 400, `unauthorized` 401, `forbidden` 403, `not-found` 404,
 * `conflict` 409, `rate-limited` 429, `unavailable` 5xx, `http-error` other), `bad-answer` (a 2xx the contract does
 * not describe) and `bad-options` (the client's own options). The edge may name a finer code in its error body.
 */
export type EdgeAdminErrorCode = string;

/**
 * An admin call the edge refused or could not complete: `status` (0 = no answer), `code` and a message naming the
 * call. Never carries the token: the message is built by the client and any echo of the token in an answer is cut.
 */
export class EdgeAdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: EdgeAdminErrorCode,
    message: string,
    /** The invalid fields the edge named (400). */
    readonly issues: BodyIssue[] = [],
  ) {
    super(message);
    this.name = "EdgeAdminError";
  }
}

/** Options of {@link EdgeAdminClient}. */
export interface EdgeAdminClientOptions {
  /** The edge's base URL, e.g. `https://edge.example` (no trailing path). */
  url: string;
  /** The admin token (secret): sent as `Authorization: Bearer`, never put in an error or a log. */
  token: string;
  /**
   * Per-attempt timeout (an `AbortSignal` timeout covering the answer's headers and body). Default 15 s: a write
   * answers only once every edge instance confirmed it, and a switch also waits for draining.
   */
  timeoutMs?: number;
  /**
   * Extra attempts (default 2). Only where a retry cannot apply anything twice: a GET after no answer, a timeout,
   * 429 or 5xx; any call whose connection failed before the request was sent (refused, unknown host).
   */
  retries?: number;
  /**
   * Keep retrying while the edge is not ready, up to this long in all (default: off). "Not ready": the connection is
   * refused, a GET gets no answer or 5xx, a PUT or DELETE gets no answer, 429 or 5xx (Render's proxy answers 502 while the
   * edge's first deploy starts; PUT and DELETE are idempotent, RFC 9110: storing the same definition twice stores
   * it once), or the token is refused (401; the edge checks it before it reads the body, so nothing was applied):
   * right after `pulumi up` changed the edge's env the running edge may still hold the previous token until the new
   * deploy is live. A POST (switch, verdict) is never retried after an answer. For the FeatureFlag and AlertRule
   * writes in `pulumi up`, never for a preview, which must not hang.
   */
  readyTimeoutMs?: number;
  /**
   * At most this many calls in flight to one edge from this process (default: unlimited). `pulumi up` creates the
   * stack's ~30 flags and rules in parallel; each write is replicated to every edge instance before it answers.
   */
  maxConcurrent?: number;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call (with the timeout, whichever comes first). */
  signal?: AbortSignal;
}

/** Connection errors raised before a byte of the request left: retrying cannot apply the request twice. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "UND_ERR_CONNECT_TIMEOUT"]);

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
    if (next)
      next(); // the slot passes to the next waiter
    else if (--slot.n === 0) inFlight.delete(key);
  };
}

function codeOf(status: number): EdgeAdminErrorCode {
  if (status === 400) return "invalid-request";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not-found";
  if (status === 409) return "conflict";
  if (status === 429) return "rate-limited";
  if (status >= 500) return "unavailable";
  return "http-error";
}

function safeJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined; // Prometheus text or a proxy's HTML error page
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The one client of the edge's admin API (the TrafficSwitch resource and the promotion, the FeatureFlag and
 * AlertRule providers, the rollback and flag commands, the guardian, the edge-metrics analysis, tests and
 * benchmarks). One transport (`fetch`, an `AbortSignal` timeout per attempt), one error type
 * ({@link EdgeAdminError}), answers validated against the contract's schemas, retries only where safe.
 */
export class EdgeAdminClient {
  private readonly base: string;

  constructor(private readonly o: EdgeAdminClientOptions) {
    if (!o.url || !/^https?:\/\//.test(o.url))
      throw new EdgeAdminError(0, "bad-options", `edge URL must be an http(s) URL, got '${o.url}' (set EDGE_URL or the resource's edgeUrl)`);
    if (!o.token) throw new EdgeAdminError(0, "bad-options", "no edge admin token: set EDGE_ADMIN_TOKEN in the environment (resources: pass adminToken)");
    this.base = o.url.replace(/\/+$/, "");
  }

  /** Reads `EDGE_URL` / `EDGE_ADMIN_TOKEN` (the URL may be given explicitly, e.g. from a resource input). */
  static fromEnv(
    url = process.env.EDGE_URL ?? "",
    env: NodeJS.ProcessEnv = process.env,
    o: Omit<EdgeAdminClientOptions, "url" | "token"> = {},
  ): EdgeAdminClient {
    return new EdgeAdminClient({ ...o, url, token: env.EDGE_ADMIN_TOKEN ?? "" });
  }

  /** The same edge and token with other timeouts or retries (e.g. a short budget for a kill switch). */
  with(o: Omit<EdgeAdminClientOptions, "url" | "token">): EdgeAdminClient {
    return new EdgeAdminClient({ ...this.o, ...o });
  }

  /** The edge's base URL (no secret). */
  get url(): string {
    return this.base;
  }

  /** An error message never holds the token, even when the edge (or a proxy in front) echoes it. */
  private clean(text: string): string {
    return this.o.token ? text.split(this.o.token).join("[redacted]") : text;
  }

  /**
   * Performs one call: `undefined` for 404 when `allow404`, and for a body-less answer without `schema`.
   * Retries as {@link EdgeAdminClientOptions.retries} and `readyTimeoutMs` say, never a write the edge may have seen.
   */
  async call<T>(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    schema: z.ZodType<T> | undefined,
    body?: unknown,
    opts: CallOptions & { allow404?: boolean } = {},
  ): Promise<T | undefined> {
    const retries = this.o.retries ?? 2;
    const timeoutMs = this.o.timeoutMs ?? 15_000;
    const readyBy = this.o.readyTimeoutMs ? Date.now() + this.o.readyTimeoutMs : 0;
    const read = method === "GET";
    const what = `edge admin ${method} ${path}`;
    let last: EdgeAdminError | undefined;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        // Within the readiness window every "not ready" is retried (backoff capped at 5 s); after it, `retries`.
        const more = attempt <= retries || (readyBy > 0 && Date.now() < readyBy);
        if (!more || opts.signal?.aborted) break;
        await sleep(Math.min(5_000, 200 * 2 ** Math.min(attempt - 1, 5)));
      }
      // A slot per attempt, not per call: a call waiting out the edge's restart does not hold others back.
      const release = await acquire(this.base, this.o.maxConcurrent);
      const timeout = AbortSignal.timeout(timeoutMs);
      let res: Response;
      let text: string;
      try {
        res = await fetch(`${this.base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${this.o.token}`,
            accept: "application/json",
            ...(body !== undefined ? { "content-type": "application/json" } : {}),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
        });
        text = await res.text();
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause?.code;
        const notSent = cause !== undefined && NOT_SENT.has(cause);
        if (timeout.aborted) last = new EdgeAdminError(0, "timeout", `${what}: no answer from ${this.base} (timed out after ${timeoutMs} ms)`);
        else if (opts.signal?.aborted) throw new EdgeAdminError(0, "aborted", `${what}: aborted by the caller`);
        else last = new EdgeAdminError(0, "unreachable", this.clean(`${what}: no answer from ${this.base} (${cause ?? (e as Error).message})`));
        if (read || notSent) continue;
        if (readyBy > 0 && Date.now() < readyBy && (method === "PUT" || method === "DELETE")) continue;
        // A write may have reached the edge: retrying could apply it twice, so the caller decides.
        throw last;
      } finally {
        release();
      }
      if (res.status === 404 && opts.allow404) return undefined;
      if (res.ok) {
        if (!schema) return undefined;
        const parsed = schema.safeParse(safeJson(text));
        if (parsed.success) return parsed.data;
        const i = parsed.error.issues[0];
        throw new EdgeAdminError(res.status, "bad-answer", `${what}: unexpected answer (${i?.path.join(".") || "body"}: ${i?.message})`);
      }
      const err = AdminErrorSchema.safeParse(safeJson(text));
      const detail = this.clean(err.success ? err.data.error : text.slice(0, 200));
      last = new EdgeAdminError(
        res.status,
        (err.success && err.data.code) || codeOf(res.status),
        `${what}: HTTP ${res.status}: ${detail}`,
        err.success ? (err.data.issues ?? []) : [],
      );
      const waiting = readyBy > 0 && Date.now() < readyBy;
      if (waiting && res.status === 401) continue;
      if (waiting && (method === "PUT" || method === "DELETE") && (res.status === 429 || res.status >= 500)) continue;
      if (read && (res.status === 429 || res.status >= 500)) continue;
      throw last;
    }
    const waited = readyBy > 0 ? ` (retried for ${Math.round(this.o.readyTimeoutMs! / 1000)} s: is the edge's deploy live?)` : "";
    throw new EdgeAdminError(last!.status, last!.code, `${last!.message}${waited}`, last!.issues);
  }

  private async must<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, schema: z.ZodType<T>, body?: unknown, opts?: CallOptions): Promise<T> {
    return (await this.call(method, path, schema, body, opts)) as T;
  }

  /** The active slots, each slot's health and verdict, and the state version. */
  getState(): Promise<EdgeStateView> {
    return this.must("GET", EDGE_ADMIN_PATHS.state, EdgeStateViewSchema);
  }

  /** The raw shared state document (with events and verdicts). */
  getDocument(opts?: CallOptions): Promise<EdgeState> {
    return this.must("GET", EDGE_ADMIN_PATHS.document, EdgeStateSchema, undefined, opts);
  }

  /**
   * Switches `app` to `slot` on every edge instance. Throws `EdgeAdminError` 409 when the slot is unhealthy or
   * failed its last analysis (unless `force`), 404 for an unknown app or slot, 401 for a wrong token.
   * Check `synced` in the answer: false means some instance did not confirm yet (it converges within the poll).
   */
  switch(args: SwitchRequest): Promise<SwitchResult> {
    return this.must("POST", EDGE_ADMIN_PATHS.switch, SwitchResultSchema, args);
  }

  /** Records an analysis verdict on a slot; a Failed verdict blocks switching to it until a newer verdict. */
  reportAnalysis(args: AnalysisRequest): Promise<AnalysisResult> {
    return this.must("POST", EDGE_ADMIN_PATHS.analysis, AnalysisResultSchema, args);
  }

  /** Switches, auto-rollbacks and verdicts (the last 50). */
  async events(): Promise<EdgeEvent[]> {
    return (await this.must("GET", EDGE_ADMIN_PATHS.events, EventsResponseSchema)).events;
  }

  /** The metrics snapshot of the instance that answered, with its active slots, state version and events. */
  metrics(opts?: CallOptions): Promise<EdgeMetricsJson> {
    return this.must("GET", `${EDGE_ADMIN_PATHS.metrics}?format=json`, EdgeMetricsJsonSchema, undefined, opts);
  }

  /** Web-vitals beacons per app and metric over `windowMs`, `newCount` counting those after `since` (ms epoch). */
  vitals(q: { windowMs: number; since: number }, opts?: CallOptions): Promise<VitalsSummary> {
    return this.must(
      "GET",
      `${EDGE_ADMIN_PATHS.vitals}?windowMs=${encodeURIComponent(q.windowMs)}&since=${encodeURIComponent(q.since)}`,
      VitalsSummarySchema,
      undefined,
      opts,
    );
  }

  /** The flag admin API (`/__edge/flags`): definitions, and the kill switch (overrides). */
  readonly flags = {
    list: (): Promise<FlagListResponse> => this.must("GET", EDGE_ADMIN_PATHS.flags, FlagListResponseSchema),
    /** `undefined` for an unknown flag. */
    get: (key: string): Promise<FlagEntryResponse | undefined> => this.call("GET", flagPath(key), FlagEntryResponseSchema, undefined, { allow404: true }),
    /** Writes a definition; never touches an override. */
    put: (key: string, definition: FlagDefinition): Promise<FlagEntryResponse> => this.must("PUT", flagPath(key), FlagEntryResponseSchema, definition),
    /** Deletes a flag; a missing flag is fine (idempotent). */
    remove: async (key: string): Promise<void> => void (await this.call("DELETE", flagPath(key), undefined, undefined, { allow404: true })),
    /** The kill switch. */
    setOverride: (key: string, req: OverrideRequest): Promise<FlagEntryResponse> => this.must("PUT", `${flagPath(key)}/override`, FlagEntryResponseSchema, req),
    clearOverride: (key: string): Promise<FlagEntryResponse> => this.must("DELETE", `${flagPath(key)}/override`, FlagEntryResponseSchema),
  };

  /** The alert-rule admin API (`/__edge/alerts/rules`): the AlertRule provider writes, the guardian reads. */
  readonly alerts = {
    /** Every stored rule, validated (invalid ones skipped). */
    list: async (): Promise<{ revision: string; rules: AlertRule[] }> => {
      const r = await this.must("GET", EDGE_ADMIN_PATHS.alertRules, RuleListResponseSchema);
      const rules = r.rules.map((x) => validateAlertRule(x)).flatMap((v) => (v.ok ? [v.rule] : []));
      return { revision: r.revision, rules: rules.sort((a, b) => a.name.localeCompare(b.name)) };
    },
    /** `undefined` for an unknown (or no longer valid) rule. */
    get: async (name: string): Promise<AlertRule | undefined> => {
      const r = await this.call("GET", rulePath(name), RuleEntryResponseSchema, undefined, { allow404: true });
      const v = r && validateAlertRule(r.rule);
      return v?.ok ? v.rule : undefined;
    },
    put: async (rule: AlertRule): Promise<void> => void (await this.must("PUT", rulePath(rule.name), RuleEntryResponseSchema, rule)),
    /** Deletes a rule; a missing rule is fine (idempotent). */
    remove: async (name: string): Promise<void> => void (await this.call("DELETE", rulePath(name), undefined, undefined, { allow404: true })),
  };
}

const flagPath = (key: string) => `${EDGE_ADMIN_PATHS.flags}/${encodeURIComponent(key)}`;
const rulePath = (name: string) => `${EDGE_ADMIN_PATHS.alertRules}/${encodeURIComponent(name)}`;
