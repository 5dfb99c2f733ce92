import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { dirname } from "node:path";
import { createParser } from "eventsource-parser";
import { z } from "zod";
import type { EvaluationContext, JsonValue } from "@openfeature/core";

/** Options of {@link FlagClient}. */
export interface FlagClientOptions {
  /** The edge's base URL; the client POSTs to `<baseUrl>/ofrep/v1/evaluate/flags`. */
  baseUrl: string;
  /** The evaluation context sent with every poll (e.g. `{ targetingKey: serviceInstanceId, app: "api" }`). */
  context?: EvaluationContext;
  /**
   * Safe defaults per flag key: served before the first successful poll, for flags the edge reports disabled or
   * failed, and when the cached values are older than `maxStaleMs`. Choose the value that is safe with the edge down.
   */
  defaults: Record<string, JsonValue>;
  /**
   * Poll period (default 1000 ms). While the edge's change stream is up there is no polling at all; polling is the
   * fallback when the stream is down (and the only mode against an edge that does not advertise a stream).
   */
  pollIntervalMs?: number;
  /**
   * Subscribe to the change stream the edge advertises in its bulk answer (OFREP `eventStreams`, type `sse`), and
   * re-fetch on each `refetchEvaluation` event (default true). Only a stream on the same origin as `baseUrl` is
   * used (the request headers, e.g. an API key, are never sent elsewhere).
   */
  stream?: boolean;
  /** A stream silent (no event, no heartbeat) for this long is taken as dead and reopened (default 45 000 ms). */
  streamIdleTimeoutMs?: number;
  /** Cap of the backoff between failed polls and between stream reconnects (default 30 000 ms). */
  maxBackoffMs?: number;
  /** Per-request timeout (default 800 ms: shorter than the poll period so polls never pile up). */
  timeoutMs?: number;
  /** Serve cached values for at most this long without a successful poll, then the defaults (default: forever). */
  maxStaleMs?: number;
  /** Optional file keeping the last-known-good values across restarts (written atomically). */
  cacheFile?: string;
  /** Extra request headers (e.g. an API key). */
  headers?: Record<string, string>;
  /** Called after a poll changed values, with the keys that changed. */
  onChange?: (changedKeys: string[]) => void;
  /** Called when the client goes from answering to failing (`ok: false`) or back (`ok: true`). */
  onHealth?: (ok: boolean, why?: string) => void;
  /** Clock (tests). */
  now?: () => number;
}

/** Where a served value came from. */
export type FlagValueSource = "edge" | "cache" | "default";

/** A value with its provenance. */
export interface FlagClientDetails<T> {
  value: T;
  source: FlagValueSource;
  /** OFREP reason for edge/cache values (`DISABLED` means the code default was used). */
  reason?: string;
  variant?: string;
  /** Why the default was used, when it was. */
  fallbackReason?: "not-loaded" | "stale" | "missing" | "disabled" | "error" | "type-mismatch";
}

/** Health of the client, for readiness endpoints and logs. */
export interface FlagClientStatus {
  lastSuccessAt?: number;
  lastError?: string;
  consecutiveFailures: number;
  etag?: string;
  /** The change stream is open: changes are pushed and nothing is polled. */
  streaming: boolean;
  /** Bulk evaluations made so far (initial, pushed re-fetches and polls). */
  fetches: number;
  /** Of which polls made while the stream was down (the fallback). */
  polls: number;
  /** Change events received on the stream. */
  events: number;
  /** Why the last stream attempt failed, if it did. */
  streamError?: string;
}

const ItemSchema = z
  .object({
    key: z.string(),
    value: z.unknown().optional(),
    reason: z.string().optional(),
    variant: z.string().optional(),
    errorCode: z.string().optional(),
  })
  .passthrough();
const EventStreamSchema = z
  .object({ type: z.string(), url: z.string().optional(), endpoint: z.object({ requestUri: z.string(), origin: z.string().optional() }).optional() })
  .passthrough();
const BulkSchema = z.object({ flags: z.array(ItemSchema), eventStreams: z.array(z.unknown()).optional() }).passthrough();
const EventDataSchema = z.object({ type: z.string(), etag: z.string().optional(), lastModified: z.union([z.number(), z.string()]).optional() }).passthrough();
const CacheFileSchema = z.object({ savedAt: z.number(), etag: z.string().optional(), flags: z.array(ItemSchema) });
type Item = z.infer<typeof ItemSchema>;

/** What an event asked to re-fetch with (OFREP's `flagConfigEtag` / `flagConfigLastModified` query parameters). */
interface RefetchHint {
  etag?: string;
  lastModified?: string | number;
}

/**
 * The app-side flag client: evaluates every flag for its context through the edge's OFREP bulk endpoint, is told
 * of changes over the edge's server-sent-events stream (OFREP 0.3.0 `eventStreams`) and re-fetches on each one,
 * polls with `If-None-Match` only while the stream is down (with backoff on failures), keeps the last-known-good
 * values, and serves safe defaults when nothing trustworthy is known. Reads are synchronous and never touch the
 * network, so a slow or dead edge can never slow a request down. Its timers and stream socket are unref'd: it
 * never keeps a process alive by itself.
 */
export class FlagClient {
  private items = new Map<string, Item>();
  private etag: string | undefined;
  private lastSuccessAt: number | undefined;
  private lastError: string | undefined;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private inflight: Promise<void> | undefined;
  private again: { hint?: RefetchHint } | undefined;
  private readonly now: () => number;
  private context: EvaluationContext;
  /** The advertised stream's URL, when the edge offers one on our origin. */
  private streamUrl: string | undefined;
  private stream: { req: http.ClientRequest; open: boolean } | undefined;
  private streamTimer: NodeJS.Timeout | undefined;
  private streamFailures = 0;
  private retryMs = 1000;
  private lastEventId: string | undefined;
  private healthy: boolean | undefined;
  private readonly counts = { fetches: 0, polls: 0, events: 0 };

  constructor(private readonly opts: FlagClientOptions) {
    if (!/^https?:\/\//.test(opts.baseUrl)) throw new Error(`FlagClient: baseUrl must be an http(s) URL, got '${opts.baseUrl}'`);
    for (const k of ["pollIntervalMs", "timeoutMs", "streamIdleTimeoutMs", "maxBackoffMs"] as const) {
      const v = opts[k];
      if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new Error(`FlagClient: ${k} must be a positive number of milliseconds, got ${v}`);
    }
    this.now = opts.now ?? Date.now;
    this.context = opts.context ?? {};
    if (opts.cacheFile) this.loadCacheFile(opts.cacheFile);
  }

  /** Fetches once (never throws), then follows the change stream (or polls every `pollIntervalMs`) until {@link stop}. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.refresh();
    this.follow();
  }

  /** Stops the stream and polling; cached values stay readable. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.streamTimer) clearTimeout(this.streamTimer);
    this.streamTimer = undefined;
    this.stream?.req.destroy();
    this.stream = undefined;
  }

  /** Replaces the evaluation context (the next fetch evaluates for it; the ETag is dropped). */
  setContext(context: EvaluationContext): void {
    this.context = context;
    this.etag = undefined;
  }

  /**
   * One bulk evaluation. Never throws: failures are kept in {@link status}. A call made while one is in flight
   * runs once more after it (the one in flight may have been answered before the change that prompted the call).
   */
  refresh(hint?: RefetchHint): Promise<void> {
    if (this.inflight) {
      this.again = { hint };
      return this.inflight;
    }
    this.inflight = (async () => {
      let next: { hint?: RefetchHint } | undefined = { hint };
      while (next) {
        this.again = undefined;
        await this.poll(next.hint);
        next = this.again;
      }
    })().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  status(): FlagClientStatus {
    return {
      lastSuccessAt: this.lastSuccessAt,
      lastError: this.lastError,
      consecutiveFailures: this.failures,
      etag: this.etag,
      streaming: this.stream?.open === true,
      ...this.counts,
      ...(this.lastStreamError ? { streamError: this.lastStreamError } : {}),
    };
  }

  /** Whether any values (from the edge or the cache file) are held, however old. */
  hasValues(): boolean {
    return this.lastSuccessAt !== undefined;
  }

  /** The raw OFREP item of `key` with its freshness, for adapters (the OpenFeature provider). */
  lookup(key: string): { state: "not-loaded" | "stale" | "missing" } | { state: "ok"; item: Item; source: "edge" | "cache" } {
    if (this.lastSuccessAt === undefined) return { state: "not-loaded" };
    if (this.opts.maxStaleMs !== undefined && this.now() - this.lastSuccessAt > this.opts.maxStaleMs) return { state: "stale" };
    const item = this.items.get(key);
    if (!item) return { state: "missing" };
    return { state: "ok", item, source: this.failures === 0 ? "edge" : "cache" };
  }

  getBoolean(key: string): boolean {
    return this.details(key, "boolean").value as boolean;
  }
  getString(key: string): string {
    return this.details(key, "string").value as string;
  }
  getNumber(key: string): number {
    return this.details(key, "number").value as number;
  }
  getObject<T extends JsonValue = JsonValue>(key: string): T {
    return this.details(key, "object").value as T;
  }

  /** The value of `key` as type `type`, with where it came from. */
  details(key: string, type: "boolean" | "string" | "number" | "object"): FlagClientDetails<JsonValue> {
    const fallback = (fallbackReason: FlagClientDetails<unknown>["fallbackReason"], item?: Item): FlagClientDetails<JsonValue> => {
      if (!(key in this.opts.defaults)) throw new Error(`FlagClient: no safe default declared for flag '${key}': add it to options.defaults`);
      return { value: this.opts.defaults[key]!, source: "default", fallbackReason, reason: item?.reason };
    };
    if (this.lastSuccessAt === undefined) return fallback("not-loaded");
    const age = this.now() - this.lastSuccessAt;
    if (this.opts.maxStaleMs !== undefined && age > this.opts.maxStaleMs) return fallback("stale");
    const item = this.items.get(key);
    if (!item) return fallback("missing");
    if (item.errorCode) return fallback("error", item);
    if (item.value === undefined) return fallback("disabled", item);
    const actual = item.value === null || Array.isArray(item.value) ? "object" : typeof item.value;
    if (actual !== type) return fallback("type-mismatch", item);
    return { value: item.value as JsonValue, source: this.failures === 0 ? "edge" : "cache", reason: item.reason, variant: item.variant };
  }

  /** Opens the stream when one is advertised; otherwise (or while it is down) polls. */
  private follow(): void {
    if (!this.running) return;
    if (this.streamUrl && !this.stream && !this.streamTimer) this.openStream();
    this.schedulePoll();
  }

  private backoff(base: number, failures: number): number {
    const cap = this.opts.maxBackoffMs ?? 30_000;
    if (failures <= 0) return base;
    const d = Math.min(cap, base * 2 ** Math.min(failures, 16));
    return Math.round(d / 2 + Math.random() * (d / 2)); // jitter, so apps do not come back in step
  }

  private schedulePoll(): void {
    if (!this.running || this.timer) return;
    // No polling while changes are pushed; the stream's close schedules the fallback.
    if (this.stream?.open) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (!this.running || this.stream?.open) return;
        this.counts.polls += 1;
        void this.refresh().then(() => this.follow());
      },
      this.backoff(this.opts.pollIntervalMs ?? 1000, this.failures),
    );
    this.timer.unref();
  }

  private openStream(): void {
    const url = new URL(this.streamUrl!);
    const mod = url.protocol === "https:" ? https : http;
    let idle: NodeJS.Timeout | undefined;
    const state = { req: undefined as unknown as http.ClientRequest, open: false };
    const closed = (why: string) => {
      if (idle) clearTimeout(idle);
      if (this.stream !== state) return;
      const wasOpen = state.open;
      this.stream = undefined;
      state.req.destroy();
      if (!this.running) return;
      this.streamFailures = wasOpen ? 0 : this.streamFailures + 1;
      if (!wasOpen) this.lastStreamError = why;
      // Fall back to polling at once (a change may have been missed), and reconnect after a backoff.
      this.counts.polls += 1;
      void this.refresh().then(() => this.schedulePoll());
      this.streamTimer = setTimeout(
        () => {
          this.streamTimer = undefined;
          this.follow();
        },
        this.backoff(this.retryMs, this.streamFailures),
      );
      this.streamTimer.unref();
    };
    const touch = () => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => closed("stream idle"), this.opts.streamIdleTimeoutMs ?? 45_000);
      idle.unref();
    };
    const parser = createParser({
      onRetry: (ms) => {
        if (Number.isFinite(ms) && ms >= 100) this.retryMs = Math.min(ms, 60_000);
      },
      onEvent: (e) => {
        if (e.id) this.lastEventId = e.id;
        if (e.event && e.event !== "message") return;
        let data;
        try {
          data = EventDataSchema.safeParse(JSON.parse(e.data));
        } catch {
          return;
        }
        // Unknown event types are ignored (forward compatibility, as OFREP requires).
        if (!data.success || data.data.type !== "refetchEvaluation") return;
        this.counts.events += 1;
        void this.refresh({ etag: data.data.etag, lastModified: data.data.lastModified });
      },
    });
    state.req = mod.get(
      url,
      {
        headers: {
          accept: "text/event-stream",
          "cache-control": "no-store",
          ...(this.lastEventId ? { "last-event-id": this.lastEventId } : {}),
          ...this.opts.headers,
        },
        agent: false,
        timeout: this.opts.timeoutMs ?? 800, // until the answer's head; the idle timer takes over after
      },
      (res) => {
        if (res.statusCode !== 200 || !/^text\/event-stream/.test(String(res.headers["content-type"]))) {
          res.resume();
          return closed(`stream answered ${res.statusCode}`);
        }
        state.req.setTimeout(0);
        state.open = true;
        this.streamFailures = 0;
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
        touch();
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          touch();
          parser.feed(chunk);
        });
        res.on("end", () => closed("stream ended"));
        res.on("error", () => closed("stream broken"));
        // Whatever changed between our last fetch and the subscription is fetched now.
        void this.refresh();
      },
    );
    state.req.on("socket", (sock) => sock.unref());
    state.req.on("timeout", () => state.req.destroy(new Error("timeout")));
    state.req.on("error", () => closed("stream unreachable"));
    state.req.on("close", () => closed("stream closed"));
    this.stream = state;
  }

  /** Why the last stream attempt failed (for status; never includes the URL, which may carry tokens). */
  private lastStreamError: string | undefined;

  private async poll(hint?: RefetchHint): Promise<void> {
    let res: Response;
    const signal = AbortSignal.timeout(this.opts.timeoutMs ?? 800);
    const query = new URLSearchParams();
    if (hint?.etag) query.set("flagConfigEtag", hint.etag);
    if (hint?.lastModified !== undefined) query.set("flagConfigLastModified", String(hint.lastModified));
    const qs = query.size ? `?${query}` : "";
    this.counts.fetches += 1;
    try {
      res = await fetch(`${this.opts.baseUrl.replace(/\/+$/, "")}/ofrep/v1/evaluate/flags${qs}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.etag ? { "if-none-match": this.etag } : {}),
          ...this.opts.headers,
        },
        body: JSON.stringify({ context: this.context }),
        signal,
      });
    } catch {
      return this.fail(signal.aborted ? "edge timed out" : "edge unreachable");
    }
    if (res.status === 304) {
      await res.arrayBuffer().catch(() => undefined);
      return this.succeed();
    }
    const text = await res.text().catch(() => "");
    if (res.status !== 200) return this.fail(`edge answered ${res.status}`);
    let parsed;
    try {
      parsed = BulkSchema.safeParse(JSON.parse(text));
    } catch {
      return this.fail("edge sent invalid JSON");
    }
    if (!parsed.success) return this.fail("edge sent an unexpected OFREP body");
    this.streamUrl = this.opts.stream === false ? undefined : this.pickStream(parsed.data.eventStreams);
    const next = new Map(parsed.data.flags.map((i) => [i.key, i]));
    const changed = [...new Set([...next.keys(), ...this.items.keys()])].filter((k) => JSON.stringify(next.get(k)) !== JSON.stringify(this.items.get(k)));
    this.items = next;
    this.etag = res.headers.get("etag") ?? undefined;
    this.succeed();
    if (this.opts.cacheFile && changed.length) this.saveCacheFile(this.opts.cacheFile);
    if (changed.length) this.opts.onChange?.(changed);
  }

  /** The first advertised SSE stream on our own origin (OFREP: unknown types are ignored). */
  private pickStream(list: unknown[] | undefined): string | undefined {
    const base = new URL(this.opts.baseUrl);
    for (const raw of list ?? []) {
      const e = EventStreamSchema.safeParse(raw);
      if (!e.success || e.data.type !== "sse") continue;
      try {
        const u = e.data.url ? new URL(e.data.url) : e.data.endpoint ? new URL(e.data.endpoint.requestUri, e.data.endpoint.origin ?? base) : undefined;
        if (u && u.origin === base.origin) return u.toString();
      } catch {
        /* not a URL: ignore the entry */
      }
    }
    return undefined;
  }

  private succeed(): void {
    this.lastSuccessAt = this.now();
    this.failures = 0;
    this.lastError = undefined;
    if (this.healthy !== true) {
      this.healthy = true;
      this.opts.onHealth?.(true);
    }
  }

  private fail(why: string): void {
    this.failures += 1;
    this.lastError = why;
    if (this.healthy !== false) {
      this.healthy = false;
      this.opts.onHealth?.(false, why);
    }
  }

  private loadCacheFile(file: string): void {
    try {
      const c = CacheFileSchema.parse(JSON.parse(readFileSync(file, "utf8")));
      this.items = new Map(c.flags.map((i) => [i.key, i]));
      this.lastSuccessAt = c.savedAt;
      // Marked as failing until the edge answers, so values are reported as "cache", and the ETag is dropped so
      // the first poll fetches a full body rather than trusting the file.
      this.failures = 1;
      this.lastError = "not yet polled since restart";
    } catch {
      /* no usable cache file: start from the defaults */
    }
  }

  private saveCacheFile(file: string): void {
    try {
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ savedAt: this.lastSuccessAt, etag: this.etag, flags: [...this.items.values()] }));
      renameSync(tmp, file);
    } catch {
      /* a read-only disk must not break flag reads */
    }
  }
}
