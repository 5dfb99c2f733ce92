import { RateLimiter, bucketsFor, RELAXED_FACTOR } from "../../../sim/ratelimit";
import { SEED } from "../../../sim/seed";
import { withSim } from "./helpers";

describe("rate limits", () => {
  it("maps requests to Render's recorded buckets", () => {
    const limit = (m: string, t: string) => bucketsFor(m, t).map((b) => b.limit);
    expect(limit("GET", "/services")).toEqual([400]);
    expect(limit("POST", "/services")).toEqual([20]);
    expect(limit("POST", "/postgres")).toEqual([20]);
    expect(limit("PATCH", "/services/{serviceId}")).toEqual([10]);
    expect(limit("POST", "/services/{serviceId}/deploys")).toEqual([10]);
    expect(limit("POST", "/services/{serviceId}/custom-domains")).toEqual([50]);
    expect(limit("PUT", "/services/{serviceId}/env-vars")).toEqual([100]);
    expect(limit("PATCH", "/notification-settings/owners/{ownerId}")).toEqual([500, 500]);
  });

  it("counts fixed windows per key and resets them (clock-driven unit check)", () => {
    let now = 1_000_000;
    const rl = new RateLimiter("render", () => now);
    const b = bucketsFor("POST", "/services/{serviceId}/deploys");
    for (let i = 0; i < 10; i++) expect(rl.take("k", b)[0].exceeded).toBe(false);
    const over = rl.take("k", b)[0];
    expect(over).toMatchObject({ exceeded: true, remaining: 0, limit: 10, resetSeconds: 60 });
    expect(rl.take("other-key", b)[0].exceeded).toBe(false);
    now += 60_000;
    expect(rl.take("k", b)[0]).toMatchObject({ exceeded: false, remaining: 9 });
    expect(new RateLimiter("relaxed").take("k", b)[0].limit).toBe(10 * RELAXED_FACTOR);
  });

  it("answers a burst beyond a bucket with 429 and Render's headers, serves other buckets, and recovers after the reset", async () => {
    const h = await withSim({ rateLimit: "render" });
    try {
      const patch = () => h.api.patch(`/services/${SEED.worker}`, {});
      const answers = [];
      for (let i = 0; i < 11; i++) answers.push(await patch());
      expect(answers.slice(0, 10).map((a) => a.status)).toEqual(Array(10).fill(200));
      expect(answers[9].headers.get("ratelimit-remaining")).toBe("0");
      const limited = answers[10];
      expect(limited.status).toBe(429);
      expect(limited.body.message).toMatch(/rate limit/);
      expect(limited.headers.get("ratelimit-limit")).toBe("10");
      expect(limited.headers.get("ratelimit-remaining")).toBe("0");
      const reset = Number(limited.headers.get("ratelimit-reset"));
      expect(reset).toBeGreaterThan(0);
      expect(reset).toBeLessThanOrEqual(60);
      const get = await h.api.get(`/services/${SEED.worker}`);
      expect(get.status).toBe(200);
      expect(get.headers.get("ratelimit-limit")).toBe("400");
      await new Promise((r) => setTimeout(r, (reset + 1) * 1000));
      const after = await patch();
      expect(after.status).toBe(200);
      expect(after.headers.get("ratelimit-remaining")).toBe("9");
    } finally {
      await h.done();
    }
  }, 90_000);
});
