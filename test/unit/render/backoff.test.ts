import { backoffDelayMs, headerValue, parseRateLimit, rateLimitDelayMs, retryAfterMs } from "../../../infra/render/backoff";

describe("backoffDelayMs (full jitter)", () => {
  const opts = { baseMs: 100, maxMs: 1000 };
  it("grows exponentially up to the cap", () => {
    const top = (a: number) => backoffDelayMs(a, opts, () => 0.999999);
    expect([0, 1, 2, 3, 4, 5].map(top)).toEqual([99, 199, 399, 799, 999, 999]);
  });
  it("is jittered across the whole range", () => {
    expect(backoffDelayMs(3, opts, () => 0)).toBe(0);
    expect(backoffDelayMs(3, opts, () => 0.5)).toBe(400);
  });
  it("spreads real random delays (not all equal)", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(4, opts)));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d).toBeLessThan(1000);
  });
});

describe("rate-limit headers", () => {
  it("parses Render's headers, case-insensitively, taking the first of duplicated values", () => {
    expect(parseRateLimit({ "Ratelimit-Limit": ["500", "500"], "ratelimit-remaining": "0", "RateLimit-Reset": "37" })).toEqual({
      limit: 500,
      remaining: 0,
      resetSeconds: 37,
    });
    expect(headerValue({ "ratelimit-limit": "100, 100" }, "Ratelimit-Limit")).toBe("100");
  });
  it("ignores malformed values", () => {
    expect(parseRateLimit({ "ratelimit-reset": "soon", "ratelimit-remaining": "-1" })).toEqual({
      limit: undefined,
      remaining: undefined,
      resetSeconds: undefined,
    });
  });
  it("treats Ratelimit-Reset as seconds until reset, not an epoch, when the bucket is empty", () => {
    expect(retryAfterMs({ "ratelimit-reset": "12" })).toBe(12_000);
    expect(retryAfterMs({ "ratelimit-reset": "12", "ratelimit-remaining": "0" })).toBe(12_000);
  });
  it("does not park on a far reset when the bucket still has room", () => {
    expect(retryAfterMs({ "ratelimit-reset": "3500", "ratelimit-remaining": "7" })).toBeUndefined();
  });
  it("prefers Retry-After (seconds or HTTP date)", () => {
    expect(retryAfterMs({ "retry-after": "3", "ratelimit-reset": "50" })).toBe(3000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }, now)).toBe(5000);
  });
  it("a 429 waits at least the reset, plus bounded jitter; without headers it backs off", () => {
    const d = rateLimitDelayMs({ "ratelimit-reset": "2" }, 0, { baseMs: 100, maxMs: 1000 }, () => 0.5);
    expect(d).toBe(2000 + 100);
    expect(rateLimitDelayMs({}, 2, { baseMs: 100, maxMs: 1000 }, () => 0.5)).toBe(200);
  });
});
