import { RateLimitInfo } from "./backoff";

/**
 * Client-side view of Render's rate-limit buckets, so the client waits for a reset instead of provoking a 429.
 *
 * Render reports `Ratelimit-Limit/Remaining/Reset` on every response (cassette-notes §8). The limiter keys each
 * request to the bucket it belongs to ({@link bucketOf}), trusts the latest headers for that bucket, and counts
 * requests started since then. When the bucket is known to be empty, a request waits for the reset if that is
 * short, or fails at once with a clear error if it is not (POST /services resets hourly: waiting an hour inside a
 * `pulumi up` helps nobody).
 */

/** A request's bucket: a stable key and the limit Render was seen to apply (used until headers say otherwise). */
export interface Bucket {
  key: string;
  recordedLimit: number;
}

const ID_SEGMENT = /^[a-z]{3}-[a-z0-9]{8,}(-[a-z])?$/;

/** Replaces ids and free-form names in a path with placeholders: `/services/srv-x/env-vars/K` → `/services/:id/env-vars/:name`. */
export function templatePath(path: string): string {
  const segs = path.split("?")[0].split("/");
  return segs
    .map((s, i) => {
      if (ID_SEGMENT.test(s)) return ":id";
      const prev = segs[i - 1];
      if (prev && ["env-vars", "secret-files", "custom-domains", "credentials", "members"].includes(prev) && s !== "") return ":name";
      return s;
    })
    .join("/");
}

/** Maps a request to the bucket Render applied to it in the recordings (cassette-notes §8). */
export function bucketOf(method: string, path: string): Bucket {
  const m = method.toUpperCase();
  const t = templatePath(path);
  if (t.startsWith("/logs/streams/owner/")) return { key: `${m} /logs/streams/owner/:id`, recordedLimit: 30 };
  if (m === "GET") return { key: "GET", recordedLimit: 400 };
  if (m === "POST" && ["/services", "/postgres", "/redis", "/key-value"].includes(t)) return { key: `POST ${t}`, recordedLimit: 20 };
  if ((m === "PATCH" && t === "/services/:id") || (m === "POST" && (t === "/services/:id/deploys" || t === "/services/:id/scale"))) {
    // One bucket for all three (inferred: the recordings show the same limit of 10 on each).
    return { key: "service-update", recordedLimit: 10 };
  }
  if (m === "POST" && t === "/services/:id/custom-domains") return { key: `POST ${t}`, recordedLimit: 50 };
  return { key: "WRITE", recordedLimit: 100 };
}

interface BucketState {
  remaining: number;
  resetAt: number;
}

/** Options for {@link RateLimiter}. */
export interface RateLimiterOptions {
  /** Longest a request may wait for a reset before failing instead, ms. */
  maxWaitMs: number;
  /** Clock, injectable for tests. */
  now?: () => number;
  /** Sleep, injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
}

/** Thrown when a bucket is empty and its reset is further away than `maxWaitMs`. */
export class RateLimitExhausted extends Error {
  constructor(
    readonly bucket: string,
    readonly resetSeconds: number,
  ) {
    super(`Render rate limit for ${bucket} is used up; it resets in ${resetSeconds} s. Retry after that, or lower the number of changes per run.`);
    this.name = "RateLimitExhausted";
  }
}

/** Per-process bucket tracker. One instance is shared by all clients talking to the same API URL. */
export class RateLimiter {
  private readonly buckets = new Map<string, BucketState>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: RateLimiterOptions) {
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Waits until the request's bucket has room, then counts the request against it. */
  async acquire(method: string, path: string): Promise<void> {
    const { key } = bucketOf(method, path);
    for (;;) {
      const st = this.buckets.get(key);
      const now = this.now();
      if (!st || now >= st.resetAt) {
        // Unknown or already reset: go; the response's headers will tell us where we stand.
        if (st) this.buckets.delete(key);
        return;
      }
      if (st.remaining > 0) {
        st.remaining -= 1;
        return;
      }
      const wait = st.resetAt - now;
      if (wait > this.opts.maxWaitMs) throw new RateLimitExhausted(key, Math.ceil(wait / 1000));
      await this.sleep(wait);
    }
  }

  /** Records what a response said about its bucket (authoritative over local counting). */
  observe(method: string, path: string, info: RateLimitInfo): void {
    if (info.remaining === undefined || info.resetSeconds === undefined) return;
    const { key } = bucketOf(method, path);
    this.buckets.set(key, { remaining: info.remaining, resetAt: this.now() + info.resetSeconds * 1000 });
  }

  /** Current knowledge about a bucket, for tests and diagnostics. */
  snapshot(key: string): { remaining: number; resetInMs: number } | undefined {
    const st = this.buckets.get(key);
    return st ? { remaining: st.remaining, resetInMs: st.resetAt - this.now() } : undefined;
  }
}
