/**
 * Render's rate-limit buckets as recorded (cassette-notes §8): fixed windows that start with the first request,
 * counted per API key. Every response carries `Ratelimit-Limit`, `Ratelimit-Remaining` and `Ratelimit-Reset`
 * (seconds until the window resets). `relaxed` multiplies every limit by {@link RELAXED_FACTOR} for test suites
 * that make many calls; it never disables limiting.
 */

export type RateLimitMode = "render" | "relaxed";

/** Factor applied to every limit in `relaxed` mode. */
export const RELAXED_FACTOR = 100;

interface BucketDef {
  name: string;
  limit: number;
  windowSeconds: number;
}

const GET: BucketDef = { name: "get", limit: 400, windowSeconds: 60 };
const WRITE: BucketDef = { name: "write", limit: 100, windowSeconds: 60 };
const DEPLOY: BucketDef = { name: "service-update", limit: 10, windowSeconds: 60 };
const CUSTOM_DOMAIN: BucketDef = { name: "custom-domain-create", limit: 50, windowSeconds: 3600 };
const NOTIFY_OWNER: BucketDef = { name: "notification-owner", limit: 500, windowSeconds: 60 };
const NOTIFY_OWNER_PATCH: BucketDef = { name: "notification-owner-patch", limit: 500, windowSeconds: 60 };
const LOG_STREAM_OWNER: BucketDef = { name: "log-stream-owner", limit: 30, windowSeconds: 60 };
const createBucket = (what: string): BucketDef => ({ name: `create-${what}`, limit: 20, windowSeconds: 3600 });

/** The buckets a request counts against (one header set per bucket; Render sends two for owner-notification PATCH). */
export function bucketsFor(method: string, template: string): BucketDef[] {
  if (template.startsWith("/notification-settings/owners/")) {
    return method === "PATCH" ? [NOTIFY_OWNER, NOTIFY_OWNER_PATCH] : [NOTIFY_OWNER];
  }
  if (template.startsWith("/logs/streams/owner/")) return [LOG_STREAM_OWNER];
  if (method === "GET" || method === "HEAD") return [GET];
  if (method === "POST" && ["/services", "/postgres", "/redis", "/key-value"].includes(template)) {
    return [createBucket(template.slice(1))];
  }
  if (
    (method === "PATCH" && template === "/services/{serviceId}") ||
    (method === "POST" && (template === "/services/{serviceId}/deploys" || template === "/services/{serviceId}/scale"))
  ) {
    return [DEPLOY];
  }
  if (method === "POST" && template === "/services/{serviceId}/custom-domains") return [CUSTOM_DOMAIN];
  return [WRITE];
}

/** One bucket's state after counting a request. */
export interface BucketState {
  limit: number;
  remaining: number;
  resetSeconds: number;
  exceeded: boolean;
}

interface Window {
  startedMs: number;
  used: number;
}

/** In-memory fixed-window counters (a restart forgets them, as a new Render API pod would not; documented). */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly mode: RateLimitMode = "render",
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request against each bucket; `exceeded` when any is over its limit (the request is not served). */
  take(key: string, buckets: BucketDef[]): BucketState[] {
    const factor = this.mode === "relaxed" ? RELAXED_FACTOR : 1;
    const now = this.now();
    const states = buckets.map((b) => {
      const limit = b.limit * factor;
      const id = `${key}\u0000${b.name}`;
      let w = this.windows.get(id);
      if (!w || now >= w.startedMs + b.windowSeconds * 1000) {
        w = { startedMs: now, used: 0 };
        this.windows.set(id, w);
      }
      const exceeded = w.used >= limit;
      return { w, limit, exceeded, resetMs: w.startedMs + b.windowSeconds * 1000 - now };
    });
    const blocked = states.some((s) => s.exceeded);
    return states.map((s) => {
      if (!blocked) s.w.used++;
      return {
        limit: s.limit,
        remaining: Math.max(0, s.limit - s.w.used),
        // Whole seconds until the window resets (a client waiting this long plus one second is always clear).
        resetSeconds: Math.max(0, Math.floor(s.resetMs / 1000)),
        exceeded: blocked,
      };
    });
  }
}
