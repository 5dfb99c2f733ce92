/**
 * The traffic a promotion records for the deploy report's plot: windows from the edge's metrics (a real in-process
 * edge and slot servers), bounded in number, and the bake's windows carried out of the post-switch analysis.
 */
import { PromotionAnalysisSchema } from "../../../infra/config/schema";
import { runPostSwitch } from "../../../infra/promotion/analysis";
import { bakeTrafficWindows } from "../../../infra/promotion/bake-windows";
import { boundWindows, MAX_WINDOWS, recordTraffic, windowOf, type TrafficWindow } from "../../../infra/promotion/traffic-series";
import { admin, edgeEnv, servedBy, slots, startEdge, TOKEN } from "../edge/helpers";

const at = (i: number) => new Date(Date.parse("2026-11-27T00:00:00Z") + i * 1000).toISOString();
const w = (i: number, slot: "blue" | "green", samples = 10, errorRate = 0.1, p99Ms = 50): TrafficWindow => ({
  at: at(i),
  slot,
  samples,
  errorRate,
  p50Ms: 5,
  p99Ms,
});

describe("traffic windows of a promotion", () => {
  it("a window keeps requests, error rate and latency, rounded; an empty one keeps only its count", () => {
    expect(windowOf(at(1), "green", { samples: 40, errorRate: 1 / 3, latencyMs: { p50: 4.04, p99: 120.456 } })).toEqual({
      at: at(1),
      slot: "green",
      samples: 40,
      errorRate: 0.33333,
      p50Ms: 4,
      p99Ms: 120.5,
    });
    expect(windowOf(at(1), "green", { samples: 0 })).toEqual({ at: at(1), slot: "green", samples: 0 });
    expect(windowOf(at(1), "green", undefined)).toBeUndefined();
    expect(
      bakeTrafficWindows(
        [
          { startedAt: at(0), finishedAt: at(1), error: "edge metrics answered HTTP 503" },
          { startedAt: at(1), finishedAt: at(2), value: { samples: 3, errorRate: 0 } },
        ],
        "blue",
      ),
    ).toEqual([{ at: at(2), slot: "blue", samples: 3, errorRate: 0 }]);
  });

  it("keeps at most 120 windows: the last 20 before the switch, the bake merged by requests (latency: the worst)", () => {
    const before = Array.from({ length: 50 }, (_, i) => w(i, "blue"));
    const bake = Array.from({ length: 1000 }, (_, i) => w(100 + i, "green", i % 2 ? 30 : 10, i % 2 ? 0 : 0.4, i));
    const out = boundWindows(before, bake);
    expect(out.length).toBeLessThanOrEqual(MAX_WINDOWS);
    expect(out.filter((x) => x.slot === "blue")).toEqual(before.slice(-20));
    const merged = out.filter((x) => x.slot === "green");
    expect(merged[0]).toMatchObject({ samples: 200, errorRate: 0.1, p99Ms: 9, at: at(109) });
    expect(merged.reduce((n, x) => n + x.samples, 0)).toBe(20_000);
    expect(merged[merged.length - 1].at).toBe(at(1099));
    expect(boundWindows([w(0, "blue")], [w(1, "green")])).toHaveLength(2);
  });
});

describe("recording the traffic through a real edge", () => {
  jest.setTimeout(30_000);

  it("records the old slot's windows until stopped, and the bake returns its windows of the new slot", async () => {
    const s = await slots("api");
    const edge = await startEdge(edgeEnv(s));
    let running = true;
    // Four clients, so a 200 ms window holds requests even when a busy machine stalls one of them.
    const load = Promise.all(
      [0, 1, 2, 3].map(async () => {
        while (running) await servedBy(edge.url, "/orders").catch(() => undefined);
      }),
    );
    try {
      const rec = recordTraffic({ edgeUrl: edge.url, token: TOKEN, app: "api", slot: "blue", windowMs: 150, keep: 3 });
      await new Promise((r) => setTimeout(r, 800));
      const before = await rec.stop();
      expect(before.length).toBeGreaterThanOrEqual(2);
      expect(before.length).toBeLessThanOrEqual(3);
      for (const x of before) expect(x).toMatchObject({ slot: "blue", samples: expect.any(Number), errorRate: 0 });
      expect(before.some((x) => x.samples > 0 && x.p99Ms !== undefined)).toBe(true);
      // Stopped: no more windows afterwards.
      await new Promise((r) => setTimeout(r, 300));

      await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green" });
      const analysis = PromotionAnalysisSchema.parse({
        preSwitch: { probes: 2, intervalMs: 20, timeoutMs: 500 },
        postSwitch: { bakeMs: 600, intervalMs: 200, minSamples: 1, maxErrorRate: 0.05 },
      });
      const post = await runPostSwitch(analysis, { url: edge.url, token: TOKEN, app: "api", slot: "green" }, `${s.api.green.url}/healthz`);
      expect(post.phase).toBe("Successful");
      const windows = bakeTrafficWindows(post.traffic ?? [], "green");
      expect(windows).toHaveLength(3);
      expect(windows.every((x) => x.slot === "green" && x.errorRate === 0)).toBe(true);
      expect(windows.reduce((n, x) => n + x.samples, 0)).toBeGreaterThan(0);
    } finally {
      running = false;
      await load;
      await edge.stop();
      await s.api.blue.close();
      await s.api.green.close();
    }
  });

  it("never throws when the edge does not answer: it just has no window", async () => {
    const rec = recordTraffic({ edgeUrl: "http://127.0.0.1:9", token: TOKEN, app: "api", slot: "blue", windowMs: 50 });
    await new Promise((r) => setTimeout(r, 200));
    expect(await rec.stop()).toEqual([]);
  });
});
