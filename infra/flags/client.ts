import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
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
  /** Poll period (default 1000 ms). */
  pollIntervalMs?: number;
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
const BulkSchema = z.object({ flags: z.array(ItemSchema) }).passthrough();
const CacheFileSchema = z.object({ savedAt: z.number(), etag: z.string().optional(), flags: z.array(ItemSchema) });
type Item = z.infer<typeof ItemSchema>;

/**
 * The app-side flag client: polls the edge's OFREP bulk endpoint with `If-None-Match`, keeps the last-known-good
 * values, and serves safe defaults when nothing trustworthy is known. Reads are synchronous and never touch the
 * network, so a slow or dead edge can never slow a request down.
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
  private readonly now: () => number;

  constructor(private readonly opts: FlagClientOptions) {
    if (!/^https?:\/\//.test(opts.baseUrl)) throw new Error(`FlagClient: baseUrl must be an http(s) URL, got '${opts.baseUrl}'`);
    this.now = opts.now ?? Date.now;
    if (opts.cacheFile) this.loadCacheFile(opts.cacheFile);
  }

  /** Polls once (never throws), then keeps polling every `pollIntervalMs` until {@link stop}. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.refresh();
    this.schedule();
  }

  /** Stops polling; cached values stay readable. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One poll. Concurrent calls share the request in flight. Never throws: failures are kept in {@link status}. */
  refresh(): Promise<void> {
    this.inflight ??= this.poll().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  status(): FlagClientStatus {
    return { lastSuccessAt: this.lastSuccessAt, lastError: this.lastError, consecutiveFailures: this.failures, etag: this.etag };
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

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => void this.refresh().then(() => this.schedule()), this.opts.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    let res: Response;
    const signal = AbortSignal.timeout(this.opts.timeoutMs ?? 800);
    try {
      res = await fetch(`${this.opts.baseUrl.replace(/\/+$/, "")}/ofrep/v1/evaluate/flags`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.etag ? { "if-none-match": this.etag } : {}),
          ...this.opts.headers,
        },
        body: JSON.stringify({ context: this.opts.context ?? {} }),
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
    const next = new Map(parsed.data.flags.map((i) => [i.key, i]));
    const changed = [...new Set([...next.keys(), ...this.items.keys()])].filter(
      (k) => JSON.stringify(next.get(k)) !== JSON.stringify(this.items.get(k)),
    );
    this.items = next;
    this.etag = res.headers.get("etag") ?? undefined;
    this.succeed();
    if (this.opts.cacheFile && changed.length) this.saveCacheFile(this.opts.cacheFile);
    if (changed.length) this.opts.onChange?.(changed);
  }

  private succeed(): void {
    this.lastSuccessAt = this.now();
    this.failures = 0;
    this.lastError = undefined;
  }

  private fail(why: string): void {
    this.failures += 1;
    this.lastError = why;
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
