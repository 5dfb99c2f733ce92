import { bucketOf, RateLimiter, RateLimitExhausted, templatePath } from "../../../infra/render/rate-limiter";

describe("bucketOf / templatePath", () => {
  it("templates ids and names", () => {
    expect(templatePath("/services/srv-cu2k4j3qf0us73fbv7u0/env-vars/API_KEY")).toBe("/services/:id/env-vars/:name");
    expect(templatePath("/postgres/dpg-d7sg9ln7f7vs73d9bg5g-a/connection-info")).toBe("/postgres/:id/connection-info");
    expect(templatePath("/services/srv-cu2k4j3qf0us73fbv7u0/custom-domains/api.example.com")).toBe("/services/:id/custom-domains/:name");
  });
  it("maps requests to the recorded buckets", () => {
    expect(bucketOf("GET", "/services")).toEqual({ key: "GET", recordedLimit: 400 });
    expect(bucketOf("POST", "/services").recordedLimit).toBe(20);
    expect(bucketOf("POST", "/postgres").key).toBe("POST /postgres");
    expect(bucketOf("PATCH", "/services/srv-cu2k4j3qf0us73fbv7u0").key).toBe("service-update");
    expect(bucketOf("POST", "/services/srv-cu2k4j3qf0us73fbv7u0/scale").key).toBe("service-update");
    expect(bucketOf("POST", "/services/srv-cu2k4j3qf0us73fbv7u0/custom-domains").recordedLimit).toBe(50);
    expect(bucketOf("PUT", "/services/srv-cu2k4j3qf0us73fbv7u0/env-vars")).toEqual({ key: "WRITE", recordedLimit: 100 });
  });
});

describe("RateLimiter", () => {
  function fakeClock() {
    let t = 1_000_000;
    const slept: number[] = [];
    return {
      now: () => t,
      sleep: async (ms: number) => {
        slept.push(ms);
        t += ms;
      },
      slept,
      advance: (ms: number) => (t += ms),
    };
  }

  it("lets requests through while the bucket is unknown or has room, counting them locally", async () => {
    const c = fakeClock();
    const l = new RateLimiter({ maxWaitMs: 10_000, now: c.now, sleep: c.sleep });
    await l.acquire("GET", "/services");
    l.observe("GET", "/services", { remaining: 2, resetSeconds: 5 });
    await l.acquire("GET", "/services/srv-aaaaaaaaaaaa");
    await l.acquire("GET", "/owners");
    expect(l.snapshot("GET")?.remaining).toBe(0);
    expect(c.slept).toEqual([]);
  });

  it("waits for the reset instead of sending a request that would get a 429", async () => {
    const c = fakeClock();
    const l = new RateLimiter({ maxWaitMs: 10_000, now: c.now, sleep: c.sleep });
    l.observe("PATCH", "/services/srv-aaaaaaaaaaaa", { remaining: 0, resetSeconds: 3 });
    await l.acquire("POST", "/services/srv-bbbbbbbbbbbb/scale");
    expect(c.slept).toEqual([3000]);
  });

  it("fails fast when the reset is further away than it may wait", async () => {
    const c = fakeClock();
    const l = new RateLimiter({ maxWaitMs: 10_000, now: c.now, sleep: c.sleep });
    l.observe("POST", "/services", { remaining: 0, resetSeconds: 2109 });
    await expect(l.acquire("POST", "/services")).rejects.toThrow(RateLimitExhausted);
    await expect(l.acquire("POST", "/services")).rejects.toThrow(/POST \/services .*resets in 2109 s/);
    // other buckets are unaffected
    await l.acquire("POST", "/postgres");
  });

  it("forgets a bucket once its reset time has passed", async () => {
    const c = fakeClock();
    const l = new RateLimiter({ maxWaitMs: 10_000, now: c.now, sleep: c.sleep });
    l.observe("PUT", "/services/srv-aaaaaaaaaaaa/env-vars", { remaining: 0, resetSeconds: 1 });
    c.advance(1500);
    await l.acquire("DELETE", "/env-groups/evg-aaaaaaaaaaaa");
    expect(c.slept).toEqual([]);
  });
});
