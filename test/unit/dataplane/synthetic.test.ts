import type { DataPlane } from "../../../sim/dataplane";
import { cleanup, dataPlane, http, json, spec, tempState } from "./helpers";

/** Plain images and repos: a synthetic app on a stable loopback port, with its latency and error profile. */
describe("data plane: synthetic apps", () => {
  let dir: string;
  let dp: DataPlane;
  beforeEach(() => {
    dir = tempState();
    dp = dataPlane(dir);
  });
  afterEach(async () => {
    await dp.stop();
    cleanup(dir);
  });

  it("answers the health path, /version and any other path like the app would", async () => {
    const s = spec({ image: "docker.io/acme/api:2.3.1" });
    const r = await dp.apply(s);
    expect(r).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), started: true });
    expect(dp.url(s.id)).toBe(r.url);

    const health = await http(`${r.url}/healthz`);
    expect(health.status).toBe(200);
    expect(json(health)).toEqual({ status: "ok" });
    expect(health.headers.connection).toBe("keep-alive");

    const version = await http(`${r.url}/version`);
    expect(json(version)).toEqual({ version: "2.3.1", image: "docker.io/acme/api:2.3.1", commit: null, deployId: s.deployId, serviceId: s.id });

    const other = await http(`${r.url}/orders/42?x=1`, { method: "POST", body: "{}" });
    expect(other.status).toBe(200);
    expect(json(other)).toMatchObject({ ok: true, service: s.name });
  });

  it("reports a repo-backed deploy's short commit as its version, and follows a new deploy", async () => {
    const s = spec({ image: undefined, commit: "0123456789abcdef0123456789abcdef01234567" });
    const { url } = await dp.apply(s);
    expect(json(await http(`${url}/version`))).toMatchObject({ version: "0123456", commit: s.commit, image: null });
    const next = { ...s, deployId: "dep-nextdeploy0000000000", commit: "fedcba9876543210fedcba9876543210fedcba98" };
    expect((await dp.apply(next)).url).toBe(url);
    expect(json(await http(`${url}/version`))).toMatchObject({ version: "fedcba9", deployId: next.deployId });
  });

  it("adds injected latency on top of the base latency", async () => {
    const s = spec();
    const { url } = await dp.apply(s);
    const base = await http(`${url}/x`);
    expect(base.ms).toBeGreaterThanOrEqual(2);
    dp.setFaults(s.id, { latencyMs: 150 });
    const slow = await http(`${url}/x`);
    expect(slow.status).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(150);
  });

  it("answers errorRate's fraction of non-health requests with 500, never the health path", async () => {
    const s = spec();
    const { url } = await dp.apply(s);
    dp.setFaults(s.id, { errorRate: 1 });
    const failed = await http(`${url}/x`);
    expect(failed.status).toBe(500);
    expect(failed.headers["x-sim-fault"]).toBe("errorRate");
    expect((await http(`${url}/healthz`)).status).toBe(200);

    dp.setFaults(s.id, { errorRate: 0.5 });
    const statuses = await Promise.all(Array.from({ length: 200 }, () => http(`${url}/x`).then((r) => r.status)));
    const errors = statuses.filter((c) => c === 500).length;
    // Binomial(200, 0.5): outside [60, 140] has a probability below 1e-8.
    expect(errors).toBeGreaterThan(60);
    expect(errors).toBeLessThan(140);
    expect(statuses.every((c) => c === 200 || c === 500)).toBe(true);
  });

  it("answers 503 on the health path when faulted unhealthy, and recovers", async () => {
    const s = spec();
    const { url } = await dp.apply(s);
    dp.setFaults(s.id, { healthy: false });
    expect(dp.getFaults(s.id)).toEqual({ healthy: false });
    expect((await http(`${url}/healthz`)).status).toBe(503);
    expect((await http(`${url}/other`)).status).toBe(200);
    dp.setFaults(s.id, { healthy: true });
    expect((await http(`${url}/healthz`)).status).toBe(200);
  });

  it("refuses bad faults with the field named, changing nothing", () => {
    const s = spec();
    dp.setFaults(s.id, { latencyMs: 5 });
    expect(() => dp.setFaults(s.id, { errorRate: 1.5 })).toThrow(/field "errorRate" must be a fraction in \[0, 1\]/);
    expect(() => dp.setFaults(s.id, { latencyMs: -1 })).toThrow(/field "latencyMs"/);
    expect(dp.getFaults(s.id)).toEqual({ latencyMs: 5 });
  });

  it("refuses a bad spec with the field named, before serving anything", async () => {
    const s = spec({ healthCheckPath: "healthz" });
    await expect(dp.apply(s)).rejects.toThrow(/field "healthCheckPath" must be "" or a path starting with \//);
    await expect(dp.apply({ ...spec(), numInstances: -1 })).rejects.toThrow(/field "numInstances" must be ≥ 0/);
    expect(dp.url(s.id)).toBeUndefined();
  });

  it("spreads requests round-robin over numInstances synthetic instances", async () => {
    const s = spec({ numInstances: 3 });
    const { url } = await dp.apply(s);
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(String((await http(`${url}/x`)).headers["x-sim-instance"]));
    expect(seen.size).toBe(3);
    await dp.apply({ ...s, numInstances: 1 });
    const after = new Set<string>();
    for (let i = 0; i < 4; i++) after.add(String((await http(`${url}/x`)).headers["x-sim-instance"]));
    expect(after.size).toBe(1);
  });

  it("answers 503 like Render's suspended page while suspended, and serves again once resumed", async () => {
    const s = spec();
    const { url } = await dp.apply(s);
    await dp.apply({ ...s, suspended: true });
    const r = await http(`${url}/x`);
    expect(r.status).toBe(503);
    expect(r.headers["x-render-routing"]).toBe("suspend-by-user");
    expect(r.body).toContain("suspended");
    await dp.apply(s);
    expect((await http(`${url}/x`)).status).toBe(200);
  });

  it("frees the port of a removed service", async () => {
    const s = spec();
    const { url } = await dp.apply(s);
    await dp.remove(s.id);
    expect(dp.url(s.id)).toBeUndefined();
    await expect(http(`${url}/x`, { timeoutMs: 2_000 })).rejects.toThrow(/ECONNREFUSED|socket hang up|ECONNRESET/);
    await dp.remove("srv-doesnotexist00000000");
  });

  it("serves a static site's index.html, naming the deploy, for every path", async () => {
    const s = spec({ type: "static_site", image: undefined, commit: "abcdef1234567890abcdef1234567890abcdef12", healthCheckPath: "" });
    const { url } = await dp.apply(s);
    for (const path of ["/", "/index.html", "/deep/link"]) {
      const r = await http(`${url}${path}`);
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toMatch(/text\/html/);
      expect(r.body).toContain("abcdef1234567890abcdef1234567890abcdef12");
      expect(r.body).toContain(s.deployId);
    }
  });

  it("runs nothing reachable for a synthetic background worker or a cron job", async () => {
    expect(await dp.apply(spec({ type: "background_worker", healthCheckPath: "" }))).toEqual({ url: undefined, started: true });
    expect(await dp.apply(spec({ type: "cron_job", healthCheckPath: "" }))).toEqual({ url: undefined, started: true });
  });
});
