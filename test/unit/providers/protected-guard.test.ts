/**
 * AlphaStack guarded during a promotion (issue 14, item 4), on real servers: a real edge, real slot servers, an
 * "AlphaStack engine" whose health path reads a shared dependency, and that dependency, which serves one request at
 * a time. The new version (green) calls the dependency on every request it serves, so once traffic moves to it the
 * engine's health answers slowly and then not in time — while green itself answers every request with 200.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { PromotionAnalysisSchema } from "../../../infra/config/schema";
import { runPostSwitch } from "../../../infra/promotion/analysis";
import { guardMetric, recordBaselines, unhealthyBaseline } from "../../../infra/promotion/protected-guard";
import { provider } from "../../../infra/providers/impl/traffic-switch";
import { admin, edgeEnv, servedBy, slots, startEdge, TOKEN, until } from "../edge/helpers";

// Generous bounds: this must hold on a loaded 2-core CI machine (baseline probes of 300 ms were seen there).
const ANALYSIS = PromotionAnalysisSchema.parse({
  preSwitch: { probes: 3, intervalMs: 100, timeoutMs: 2_000 },
  postSwitch: { bakeMs: 4_000, intervalMs: 500, minSamples: 1, maxErrorRate: 0.05, maxP99LatencyMs: 10_000 },
});

async function listen(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A dependency that serves one request at a time, 50 ms each (a small connection pool in front of a database). */
async function sharedDependency() {
  let queue = Promise.resolve();
  return listen((_req, res) => {
    queue = queue.then(
      () =>
        new Promise<void>((r) =>
          setTimeout(() => {
            res.end("ok");
            r();
          }, 50),
        ),
    );
  });
}

/** GETs `url` (no pooling), resolving when answered. */
function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 30_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
  });
}

/**
 * The whole setup: the shared dependency, the engine whose health reads it, the two slots behind a real edge, and two
 * clients sending traffic through the edge. `overload`: green (the new version) calls the dependency 16 times for
 * every request it serves (at most 8 such bursts at a time, so the test's own load stays bounded).
 */
async function world(overload: boolean) {
  const dep = await sharedDependency();
  const engine = await listen(async (req, res) => res.writeHead(req.url === "/healthz" && (await get(`${dep.url}/engine`)) === 200 ? 200 : 503).end());
  const s = await slots("api");
  const edge = await startEdge(edgeEnv(s));
  let hammering = 0;
  const hammer = async () => {
    hammering++;
    await Promise.all(Array.from({ length: 16 }, () => get(`${dep.url}/api`)));
    hammering--;
  };
  let running = true;
  const loop = async () => {
    while (running) {
      const r = await servedBy(edge.url, "/orders").catch(() => undefined);
      if (overload && r?.slot === "api-green" && hammering < 8) void hammer();
    }
  };
  const load = Promise.all([loop(), loop()]);
  return {
    s,
    guards: [{ name: "AlphaStack engine", url: `${engine.url}/healthz` }],
    /** Switches to green and bakes it with the guards' baselines taken before the switch. */
    async promoteGreen() {
      const baselines = await recordBaselines(this.guards, ANALYSIS);
      expect(unhealthyBaseline(baselines)).toBeUndefined();
      await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green" });
      await until(() => s.api.green.served > 5);
      return runPostSwitch(ANALYSIS, { url: edge.url, token: TOKEN, app: "api", slot: "green" }, `${s.api.green.url}/healthz`, undefined, baselines);
    },
    async dispose() {
      running = false;
      await load;
      await edge.stop();
      await s.api.blue.close();
      await s.api.green.close();
      await engine.close();
      await dep.close();
    },
  };
}

describe("AlphaStack guard (real edge, real servers, a real shared dependency)", () => {
  it("a new version that overloads a dependency AlphaStack shares fails the bake naming AlphaStack, while its own traffic is healthy", async () => {
    const w = await world(true);
    try {
      const bake = await w.promoteGreen();
      expect(bake.phase).toBe("Failed");
      expect(bake.reason).toMatch(/^AlphaStack engine degraded during the bake \(http:\/\/127\.0\.0\.1:\d+\/healthz\)/);
      expect(bake.reason).toMatch(/before the switch: [23]\/3 probes 2xx, slowest \d+ ms; limit \d+ ms/);
      // The app itself was fine: the guard, not the app's own metrics, decided.
      expect(w.s.api.green.faults.errorRate).toBe(0);
      expect(bake.reason).not.toContain(TOKEN);
    } finally {
      await w.dispose();
    }
  }, 60_000);

  it("the same bake passes while the new version leaves the dependency alone (the guard is no false alarm)", async () => {
    const w = await world(false);
    try {
      const bake = await w.promoteGreen();
      expect(bake.phase).toBe("Successful");
      expect(bake.reason).toMatch(/AlphaStack engine held its baseline/);
    } finally {
      await w.dispose();
    }
  }, 60_000);

  it("an AlphaStack that is not healthy before the switch refuses it, naming AlphaStack", async () => {
    const engine = await listen((_req, res) => res.writeHead(503).end());
    try {
      const baselines = await recordBaselines([{ name: "AlphaStack engine", url: `${engine.url}/healthz` }], ANALYSIS);
      expect(unhealthyBaseline(baselines)).toMatch(
        /^AlphaStack engine is not healthy before the switch \(0\/3 probes of http:\/\/127\.0\.0\.1:\d+\/healthz answered 2xx\)/,
      );
    } finally {
      await engine.close();
    }
  });

  it("a slow baseline still gives a valid bake metric: the probe timeout stays within what an analysis allows", () => {
    const a = PromotionAnalysisSchema.parse({});
    const slow = { service: { name: "AlphaStack engine", url: "http://127.0.0.1:1/healthz" }, probes: 5, ok: 5, maxLatencyMs: 6_000, latencyLimitMs: 30_000 };
    const m = guardMetric(slow, a);
    expect(m.timeoutMs).toBe(20_000); // 10 × the 2 s interval; a probe that times out failed
    expect(m.successCondition?.latencyMs?.max).toEqual({ lt: 30_000 });
  });

  it("the switch's check names a bad guard URL and defaults to no guard", async () => {
    const base = {
      app: "api",
      image: "docker.io/alphaplatform/api",
      version: "1.5.0",
      healthCheckPath: "/healthz",
      slots: {
        blue: { serviceId: "srv-aaaaaaaaaaaaaaaaaaaa", url: "http://127.0.0.1:1" },
        green: { serviceId: "srv-bbbbbbbbbbbbbbbbbbbb", url: "http://127.0.0.1:2" },
      },
      edgeUrl: "http://127.0.0.1:3",
      adminToken: TOKEN,
      analysis: ANALYSIS,
    };
    const none = await provider.check!({}, base);
    expect(none.failures ?? []).toEqual([]);
    expect(none.inputs.guards).toEqual([]);
    const bad = await provider.check!({}, { ...base, guards: [{ name: "AlphaStack engine", url: "ftp://x" }] });
    expect((bad.failures ?? []).map((f) => f.reason).join("\n")).toMatch(/guards\.0\.url: guards\[\]\.url must be http\(s\)/);
  });
});
