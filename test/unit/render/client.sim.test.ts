import http from "node:http";
import type { AddressInfo } from "node:net";
import { RenderClient } from "../../../infra/render/client";
import { RenderApiError } from "../../../infra/render/errors";
import { RenderHttp } from "../../../infra/render/http";
import { RateLimiter } from "../../../infra/render/rate-limiter";
import { requestLog } from "../../../infra/render/request-log";
import { eventually, withSim } from "../sim/helpers";

const STAGING = "tea-stackguardstaging000";
const fast = { backoff: { baseMs: 5, maxMs: 50 } };

describe("RenderClient against the simulator", () => {
  let s: Awaited<ReturnType<typeof withSim>>;
  let render: RenderClient;
  let serviceId: string;
  const faults = async (cfg: Record<string, unknown>) => {
    const r = await s.api.call("PUT", "/__sim/api-faults", cfg, { admin: true });
    expect(r.status).toBe(200);
  };
  beforeAll(async () => {
    s = await withSim({ timeScale: 0.01, rateLimit: "relaxed" });
    render = new RenderClient(new RenderHttp({ config: { apiUrl: s.sim.apiUrl, apiKey: s.sim.apiKey }, ...fast }));
    const created = await render.services.create({
      type: "web_service",
      name: "client-test",
      ownerId: STAGING,
      image: { ownerId: STAGING, imagePath: "nginx" },
      serviceDetails: { runtime: "image" },
    });
    serviceId = created.service.id;
  });
  afterEach(async () => {
    await faults({});
  });
  afterAll(async () => {
    await s.done();
  });

  it("validates and types responses (services, owners, environments, AlphaStack reads)", async () => {
    const svc = await render.services.get("srv-alphastackengine0000");
    expect(svc.serviceDetails.numInstances).toBe(3);
    expect(svc.imagePath).toBe("docker.io/alphastack/engine:2026.11.3");
    expect((await render.workspace.getEnvironment("evm-alphastackprod000000")).protectedStatus).toBe("protected");
    expect((await render.workspace.listOwners()).map((o) => o.id)).toEqual(expect.arrayContaining([STAGING, "tea-alphastackprod000000"]));
    const g = await render.envGroups.get("evg-alphastackenv0000000");
    expect(g.serviceLinks.map((l) => l.id)).toContain("srv-alphastackengine0000");
    expect((await render.customDomains.list("srv-alphastackengine0000")).map((d) => d.name)).toEqual(["engine.alphastack.example"]);
    expect((await render.postgres.get("dpg-alphastackdb00000000-a")).highAvailabilityEnabled).toBe(true);
    expect(Array.isArray(await render.services.listDeploys("srv-alphastackengine0000"))).toBe(true);
    expect((await render.workspace.getNotificationOverride(serviceId)).serviceId).toBe(serviceId);
  });

  it("deploys, rollback, suspend/resume, metrics, Postgres recovery and exports validate against the simulator", async () => {
    // Roll back to a deploy that went live: wait for one, then deploy again and roll back to it.
    const live = await eventually(async () => (await render.services.listDeploys(serviceId)).find((d) => d.status === "live"), 30_000, 50);
    expect((await render.services.getDeploy(serviceId, live.id)).id).toBe(live.id);
    const d2 = await render.services.deploy(serviceId, { imageUrl: "docker.io/library/nginx:1.27" });
    expect(d2 === undefined || typeof d2.id === "string").toBe(true);
    const rb = await render.services.rollback(serviceId, live.id);
    expect(rb.trigger).toBe("rollback");
    await render.services.suspend(serviceId);
    expect((await render.services.get(serviceId)).suspended).toBe("suspended");
    await render.services.resume(serviceId);
    expect((await render.services.get(serviceId)).suspended).toBe("not_suspended");
    const series = await render.workspace.metrics("cpu", { resource: serviceId });
    expect(Array.isArray(series)).toBe(true);
    const rec = await render.postgres.recoveryStatus("dpg-alphastackdb00000000-a");
    expect(["AVAILABLE", "BACKUP_NOT_READY", "NOT_AVAILABLE"]).toContain(rec.recoveryStatus);
    expect(Array.isArray(await render.postgres.listExports("dpg-alphastackdb00000000-a"))).toBe(true);
    expect((await render.services.instances("srv-alphastackengine0000")).length).toBe(3);
  });

  it("walks cursor pages", async () => {
    for (let i = 0; i < 5; i++) await render.serviceEnv.setEnvVar(serviceId, `K${i}`, `v${i}`);
    requestLog.reset();
    const http = new RenderHttp({ config: { apiUrl: s.sim.apiUrl, apiKey: s.sim.apiKey } });
    const { paginate } = await import("../../../infra/render/pagination");
    const { z } = await import("zod");
    const rows = await paginate(
      (cursor, limit) =>
        http.request({
          method: "GET",
          path: `/services/${serviceId}/env-vars`,
          query: { cursor, limit: Math.min(limit, 2) },
          schema: z.array(z.object({ cursor: z.string(), envVar: z.object({ key: z.string(), value: z.string() }) })),
        }),
      { limit: 2 },
    );
    expect(rows.map((r) => r.envVar.key).sort()).toEqual(["K0", "K1", "K2", "K3", "K4"]);
    expect(requestLog.stats().calls).toBe(3);
  });

  it("retries a GET after injected 5xx (before and after commit) and logs each attempt", async () => {
    await faults({
      rules: [
        { method: "GET", path: "^/services/", status: 503, times: 1 },
        { method: "GET", path: "^/services/", status: 500, when: "after", times: 1 },
      ],
    });
    requestLog.reset();
    const svc = await render.services.get(serviceId);
    expect(svc.id).toBe(serviceId);
    const log = requestLog.list();
    expect(log.map((e) => [e.method, e.status, e.attempt])).toEqual([
      ["GET", 503, 1],
      ["GET", 500, 2],
      ["GET", 200, 3],
    ]);
    expect(log.every((e) => e.path === `/services/${serviceId}` && e.ms >= 0)).toBe(true);
    expect(requestLog.stats()).toMatchObject({ calls: 1, attempts: 3, retries: 2 });
  });

  it("retries an idempotent PUT after a 5xx whose change was committed, converging", async () => {
    await faults({ rules: [{ method: "PUT", status: 502, when: "after", times: 2 }] });
    const rows = await render.serviceEnv.replaceEnvVars(serviceId, [{ key: "A", value: "1" }]);
    expect(rows).toEqual([{ key: "A", value: "1" }]);
    expect((await render.serviceEnv.listEnvVars(serviceId)).map((e) => e.key)).toEqual(["A"]);
  });

  it("never retries a create POST on 5xx: the error says the outcome is unknown", async () => {
    await faults({ rules: [{ method: "POST", path: "^/services$", status: 502, when: "after", times: 1 }] });
    requestLog.reset();
    const err = await render.services
      .create({
        type: "web_service",
        name: "no-retry",
        ownerId: STAGING,
        image: { ownerId: STAGING, imagePath: "nginx" },
        serviceDetails: { runtime: "image" },
      })
      .then(
        () => undefined,
        (e) => e as RenderApiError,
      );
    expect(err).toBeInstanceOf(RenderApiError);
    expect(err).toMatchObject({ method: "POST", path: "/services", status: 502, attempts: 1, outcomeUnknown: true });
    expect(requestLog.list().filter((e) => e.method === "POST")).toHaveLength(1);
    // the create did happen (committed before the fault): exactly one, which adoption would find
    const list = await render.services.list({ name: ["no-retry"], ownerId: [STAGING] });
    expect(list).toHaveLength(1);
  });

  it("retries a 429 for any method, a create POST included (refused before processing)", async () => {
    await faults({ rules: [{ method: "POST", path: "^/env-groups$", status: 429, times: 2 }] });
    requestLog.reset();
    const g = await render.envGroups.create({ name: "after-429", ownerId: STAGING, envVars: [] });
    expect(g.id).toMatch(/^evg-/);
    expect(requestLog.list().map((e) => e.status)).toEqual([429, 429, 201]);
    expect((await render.envGroups.list({ name: ["after-429"], ownerId: [STAGING] })).length).toBe(1);
  });

  it("gives up after maxAttempts with a clear error", async () => {
    await faults({ rules: [{ method: "GET", status: 503, times: 10 }] });
    const c = new RenderClient(new RenderHttp({ config: { apiUrl: s.sim.apiUrl, apiKey: s.sim.apiKey }, maxAttempts: 3, ...fast }));
    await expect(c.services.get(serviceId)).rejects.toThrow(
      new RegExp(`GET /services/${serviceId} failed: HTTP 503: injected fault 503 \\(after 3 attempts\\)`),
    );
  });

  it("errors and logs carry method, path, status and Render's message, never the key or a secret (canaries)", async () => {
    const canary = "canary-secret-0f9e2d";
    requestLog.reset();
    const err = await render.serviceEnv.replaceEnvVars("srv-doesnotexist0000000", [{ key: "TOKEN", value: canary }]).then(
      () => undefined,
      (e) => e as RenderApiError,
    );
    expect(err).toMatchObject({ method: "PUT", path: "/services/srv-doesnotexist0000000/env-vars", status: 404 });
    expect(err!.renderMessage).toMatch(/not found/);
    const everything = JSON.stringify([String(err), err!.stack, { ...err }, requestLog.list()]);
    expect(everything).not.toContain(canary);
    expect(everything).not.toContain(s.sim.apiKey);
    expect(everything.toLowerCase()).not.toContain("authorization");
    const bad = await new RenderClient(new RenderHttp({ config: { apiUrl: s.sim.apiUrl, apiKey: "canary-wrong-key-77" } })).services
      .get(serviceId)
      .catch((e) => e);
    expect(bad.status).toBe(401);
    expect(JSON.stringify([String(bad), bad.stack, { ...bad }])).not.toContain("canary-wrong-key-77");
  });

  it("client-side buckets avoid a 429 instead of provoking one (Render limits, PATCH/scale bucket of 10)", async () => {
    const strict = await withSim({ timeScale: 0.01, rateLimit: "render" });
    try {
      const c = new RenderClient(
        new RenderHttp({
          config: { apiUrl: strict.sim.apiUrl, apiKey: strict.sim.apiKey },
          limiter: new RateLimiter({ maxWaitMs: 500 }),
          maxRateLimitWaitMs: 500,
        }),
      );
      const svc = await c.services.create({
        type: "web_service",
        name: "bucket",
        ownerId: STAGING,
        image: { ownerId: STAGING, imagePath: "nginx" },
        serviceDetails: { runtime: "image" },
      });
      requestLog.reset();
      let refused: RenderApiError | undefined;
      for (let i = 0; i < 12 && !refused; i++) {
        await c.services.scale(svc.service.id, 1 + (i % 3)).catch((e) => {
          refused = e as RenderApiError;
        });
      }
      expect(refused).toMatchObject({ status: 429 });
      expect(refused!.message).toMatch(/rate limit for service-update is used up; it resets in \d+ s/);
      const onWire = requestLog.list();
      expect(onWire).toHaveLength(10);
      expect(onWire.every((e) => e.status === 202)).toBe(true);
    } finally {
      await strict.done();
    }
  });

  it("network errors: idempotent calls retry, then fail with status 0 and the cause", async () => {
    const srv = http.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    requestLog.reset();
    const c = new RenderClient(new RenderHttp({ config: { apiUrl: `http://127.0.0.1:${port}/v1`, apiKey: "k-canary-1234" }, maxAttempts: 3, ...fast }));
    const err = await c.services.get("srv-x").catch((e) => e as RenderApiError);
    expect(err).toMatchObject({ status: 0, attempts: 3 });
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(requestLog.list().map((e) => e.attempt)).toEqual([1, 2, 3]);
  });

  it("times out a call that does not answer", async () => {
    const hang = http.createServer(() => undefined);
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (hang.address() as AddressInfo).port;
      const c = new RenderClient(new RenderHttp({ config: { apiUrl: `http://127.0.0.1:${port}/v1`, apiKey: "k" }, timeoutMs: 200, maxAttempts: 2, ...fast }));
      const err = await c.services.get("srv-x").catch((e) => e as RenderApiError);
      expect(err).toMatchObject({ status: 0, attempts: 2 });
      expect(err.message).toMatch(/timeout 200 ms/);
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((r) => hang.close(() => r()));
    }
  });
});
