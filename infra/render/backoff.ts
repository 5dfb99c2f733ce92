/**
 * Retry timing: exponential backoff with full jitter, and parsing of Render's rate-limit headers.
 * Pure functions so they can be tested without a server.
 */

/** Backoff settings. */
export interface BackoffOptions {
  /** First delay's upper bound, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  maxMs: number;
}

/** Defaults chosen for Render: fast first retry, capped well below a Pulumi step's patience. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 8_000 };

/**
 * "Full jitter" (AWS architecture blog): a uniform delay in [0, min(max, base·2^attempt)]. Spreads concurrent
 * retriers apart, which matters when Pulumi runs ten resources in parallel against one bucket.
 * @param attempt 0 for the first retry
 * @param random source in [0,1), injectable for tests
 */
export function backoffDelayMs(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/**
 * Reads one header that may arrive repeated (Render sends some rate-limit headers twice) as its first value.
 * @param list the header is a list, so `a, b` (how Node joins repeats) means `a`; false for dates, which contain commas
 */
export function headerValue(headers: Record<string, unknown> | undefined, name: string, list = true): string | undefined {
  if (!headers) return undefined;
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== want || v === undefined || v === null) continue;
    const first = Array.isArray(v) ? v[0] : v;
    // Node joins duplicated headers with ", ".
    return list ? String(first).split(",")[0].trim() : String(first).trim();
  }
  return undefined;
}

/** Render's rate-limit state as reported on a response. */
export interface RateLimitInfo {
  limit?: number;
  remaining?: number;
  /** Seconds until the bucket refills (Render sends seconds-until-reset, not an epoch). */
  resetSeconds?: number;
}

function nonNegInt(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d+$/.test(s)) return undefined;
  return Number(s);
}

/** Parses `Ratelimit-Limit`, `Ratelimit-Remaining`, `Ratelimit-Reset`. Absent or malformed values are undefined. */
export function parseRateLimit(headers: Record<string, unknown> | undefined): RateLimitInfo {
  return {
    limit: nonNegInt(headerValue(headers, "ratelimit-limit")),
    remaining: nonNegInt(headerValue(headers, "ratelimit-remaining")),
    resetSeconds: nonNegInt(headerValue(headers, "ratelimit-reset")),
  };
}

/**
 * How long a 429 asks us to wait, in ms: `Retry-After` (seconds or an HTTP date) wins; otherwise `Ratelimit-Reset`
 * (seconds until reset) when the bucket is reported empty (`Ratelimit-Remaining: 0`, or no remaining count).
 * Undefined when neither applies: a 429 from a bucket that still has room (a proxy, a burst guard) is retried with
 * plain backoff rather than parked until a reset that may be an hour away.
 * @param now current time in ms, injectable for tests
 */
export function retryAfterMs(headers: Record<string, unknown> | undefined, now: number = Date.now()): number | undefined {
  const ra = headerValue(headers, "retry-after", false);
  if (ra !== undefined) {
    const secs = nonNegInt(ra);
    if (secs !== undefined) return secs * 1000;
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const { remaining, resetSeconds } = parseRateLimit(headers);
  if (resetSeconds === undefined || (remaining !== undefined && remaining > 0)) return undefined;
  return resetSeconds * 1000;
}

/**
 * Delay before retrying a 429: at least what the server asked for, plus a little jitter so that callers waiting on
 * the same reset do not all fire in the same millisecond; otherwise plain backoff.
 */
export function rateLimitDelayMs(
  headers: Record<string, unknown> | undefined,
  attempt: number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
  now: number = Date.now(),
): number {
  const asked = retryAfterMs(headers, now);
  if (asked === undefined) return backoffDelayMs(attempt, opts, random);
  return asked + Math.floor(random() * Math.min(1000, opts.baseMs * 2));
}
