/**
 * The TrafficSwitch provider's check and diff, and the promotion's analysis phases, against a real in-process edge
 * (apps/edge) and real slot servers. Promotions end to end (deploys through Render) are in
 * test/integration/blue-green.test.ts.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { PromotionAnalysisSchema } from "../../../infra/config/schema";
import { runPostSwitch, runPreSwitch } from "../../../infra/promotion/analysis";
import { edgeClient } from "../../../infra/promotion/edge";
import { movedBack } from "../../../infra/promotion/run";
import { changedSwitchFields, provider, type TrafficSwitchOutputs } from "../../../infra/providers/impl/traffic-switch";
import { UNKNOWN } from "../../../infra/providers/check";
import { admin, edgeEnv, servedBy, slots, startEdge, TOKEN, until } from "../edge/helpers";

const ANALYSIS = PromotionAnalysisSchema.parse({
  preSwitch: { probes: 3, intervalMs: 20, timeoutMs: 500 },
  postSwitch: { bakeMs: 600, intervalMs: 200, minSamples: 5, maxErrorRate: 0.05 },
});

function inputs(over: Record<string, unknown> = {}) {
  return {
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
    ...over,
  };
}

/** A port nothing listens on (a closed server's), so the edge "cannot be asked". */
async function deadUrl(): Promise<string> {
  const s = http.createServer().listen(0, "127.0.0.1");
  await new Promise((r) => s.once("listening", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

describe("TrafficSwitch check", () => {
  it("accepts valid inputs and applies the analysis defaults", async () => {
    const r = await provider.check!({}, { ...inputs(), analysis: {} });
    expect(r.failures ?? []).toEqual([]);
    expect(r.inputs.analysis.postSwitch.bakeMs).toBe(60_000);
  });

  it("names the field and the fix, and never echoes the token", async () => {
    const r = await provider.check!(
      {},
      inputs({ version: "1.5.0 beta", adminToken: "short", slots: { blue: { serviceId: "svc-1", url: "x" }, green: inputs().slots.green } }),
    );
    const text = (r.failures ?? []).map((f) => f.reason).join("\n");
    expect(text).toMatch(/version: version must be an image tag such as 1\.4\.2/);
    expect(text).toMatch(/slots\.blue\.serviceId: serviceId must be a Render service id/);
    expect(text).toMatch(/adminToken: adminToken must be the edge admin token/);
    expect(text).not.toContain("short");
  });

  it("does not fail on values still unknown during a preview", async () => {
    const r = await provider.check!(
      {},
      inputs({ edgeUrl: UNKNOWN, slots: { blue: { serviceId: UNKNOWN, url: UNKNOWN }, green: { serviceId: UNKNOWN, url: UNKNOWN } } }),
    );
    expect(r.failures ?? []).toEqual([]);
  });
});

describe("TrafficSwitch diff", () => {
  const olds = (over: Partial<TrafficSwitchOutputs> = {}): TrafficSwitchOutputs => ({
    ...(inputs() as unknown as TrafficSwitchOutputs),
    activeSlot: "green",
    versions: { blue: "1.4.2", green: "1.5.0" },
    lastPromotion: {
      result: "promoted",
      version: "1.5.0",
      from: "blue",
      to: "green",
      at: "2026-11-27T00:00:00Z",
      timings: { deployMs: 1, preSwitchMs: 1, switchMs: 1, bakeMs: 1, totalMs: 4 },
    },
    ...over,
  });

  it("proposes nothing when only the provider closure changed, and a promotion when the version changes", async () => {
    const edgeUrl = await deadUrl();
    const same = await provider.diff!("api-switch", { ...olds({ edgeUrl }), __provider: "old" }, { ...inputs({ edgeUrl }), __provider: "new" });
    expect(same.changes).toBe(false);
    const bump = await provider.diff!("api-switch", olds({ edgeUrl }), inputs({ edgeUrl, version: "1.6.0" }));
    expect(bump.changes).toBe(true);
    expect(await changedSwitchFields(olds({ edgeUrl }), inputs({ edgeUrl, version: "1.6.0" }) as never)).toEqual(["version", "activeSlot"]);
    expect(bump.replaces).toEqual([]);
  });

  it("with the edge unreachable, the recorded active slot decides (a refresh put green→blue in state: drift)", async () => {
    const edgeUrl = await deadUrl();
    const r = await provider.diff!("api-switch", olds({ edgeUrl, activeSlot: "blue" }), inputs({ edgeUrl }));
    expect(r.changes).toBe(true);
    expect(await changedSwitchFields(olds({ edgeUrl, activeSlot: "blue" }), inputs({ edgeUrl }) as never)).toEqual(["activeSlot"]);
  });

  it("asks the live edge: traffic moved off the declared version's slot is a change even without refresh", async () => {
    const s = await slots("api");
    const edge = await startEdge(edgeEnv(s));
    try {
      const o = olds({ edgeUrl: edge.url, activeSlot: "green" });
      // The edge starts apps on blue: blue runs 1.4.2, so the declared 1.5.0 is not serving.
      expect((await provider.diff!("api-switch", o, inputs({ edgeUrl: edge.url }))).changes).toBe(true);
      expect((await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green" })).status).toBe(200);
      expect((await provider.diff!("api-switch", o, inputs({ edgeUrl: edge.url }))).changes).toBe(false);
    } finally {
      await edge.stop();
      await s.api.blue.close();
      await s.api.green.close();
    }
  });
});

describe("promotion analysis phases (real slot servers, real edge)", () => {
  it("a bake whose traffic the edge moved back (passive rollback) has failed, even if the analysis saw too little to decide", async () => {
    const s = await slots("api");
    const edge = await startEdge(edgeEnv(s));
    try {
      await until(async () => (await admin(edge.url, "GET", "/__edge/state")).body.apps.api.slots.blue.health === "Successful");
      await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green" });
      s.api.green.faults.errorRate = 1;
      for (let i = 0; i < 20 && (await admin(edge.url, "GET", "/__edge/state")).body.apps.api.active === "green"; i++)
        await servedBy(edge.url, "/orders").catch(() => undefined);
      expect((await admin(edge.url, "GET", "/__edge/state")).body.apps.api.active).toBe("blue");
      const client = edgeClient({ edgeUrl: edge.url, adminToken: TOKEN });
      const inconclusive = { phase: "Inconclusive" as const, reason: "post-switch traffic: 1 of 3 measurements inconclusive", durationMs: 1 };
      const corrected = await movedBack(client, "api", "green", inconclusive);
      expect(corrected.phase).toBe("Failed");
      expect(corrected.reason).toMatch(
        /^the edge moved api's traffic back to api-blue during the bake \(.+\); the analysis had: Inconclusive: post-switch traffic/,
      );
      // Still on the slot: the analysis' own outcome stands.
      expect(await movedBack(client, "api", "blue", inconclusive)).toBe(inconclusive);
    } finally {
      await edge.stop();
      await s.api.blue.close();
      await s.api.green.close();
    }
  });

  it("pre-switch: a slot answering 503 fails, saying the status and the threshold; a healthy one passes", async () => {
    const s = await slots("api");
    try {
      s.api.green.faults.healthy = false;
      const bad = await runPreSwitch(ANALYSIS, `${s.api.green.url}/healthz`);
      expect(bad.phase).toBe("Failed");
      expect(bad.reason).toMatch(/status 503/);
      expect(bad.reason).toMatch(/want: 3 probes answering 2xx in < 1000 ms/);
      const good = await runPreSwitch(ANALYSIS, `${s.api.blue.url}/healthz`);
      expect(good.phase).toBe("Successful");
    } finally {
      await s.api.blue.close();
      await s.api.green.close();
    }
  });

  it("post-switch: errors on the new slot's traffic fail the bake with the error rate; no traffic is Inconclusive", async () => {
    const s = await slots("api");
    // The bake's own judgement is under test: the edge's passive rollback (next test) would pre-empt it.
    const edge = await startEdge(edgeEnv(s, { EDGE_PASSIVE_ROLLBACK: "off" }));
    let running = true;
    try {
      await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green" });
      const quiet = await runPostSwitch(ANALYSIS, { url: edge.url, token: TOKEN, app: "api", slot: "green" }, `${s.api.green.url}/healthz`);
      expect(quiet.phase).toBe("Inconclusive");
      expect(quiet.reason).toMatch(/inconclusive/i);

      s.api.green.faults.errorRate = 0.5;
      // Three clients, so every 200 ms window has its 5 requests even on a loaded machine.
      const loop = async () => {
        while (running) await servedBy(edge.url, "/orders").catch(() => undefined);
      };
      const load = Promise.all([loop(), loop(), loop()]);
      await until(() => s.api.green.served > 5);
      const failed = await runPostSwitch(ANALYSIS, { url: edge.url, token: TOKEN, app: "api", slot: "green" }, `${s.api.green.url}/healthz`);
      running = false;
      await load;
      expect(failed.phase).toBe("Failed");
      expect(failed.reason).toMatch(/post-switch traffic: .*error rate [0-9.]+%/);
      expect(failed.reason).toMatch(/want: error rate < 5%/);
    } finally {
      running = false;
      await edge.stop();
      await s.api.blue.close();
      await s.api.green.close();
    }
  });
});
