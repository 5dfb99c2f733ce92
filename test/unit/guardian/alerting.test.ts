import { Guardian } from "../../../apps/guardian/guardian";
import { loadExtensions } from "../../../apps/edge/extensions";
import { EdgeAdminClient } from "../../../infra/edge-contract/client";
import type { Edge } from "../../../apps/edge/edge";
import { startEdge } from "../edge/helpers";
import {
  CANARY_RENDER_KEY,
  CANARY_WEBHOOK_PATH,
  TOKEN,
  guardianConfig,
  putRules,
  rule,
  setFaults,
  startSim,
  startWebhook,
  steadyTraffic,
  until,
  webService,
  type Webhook,
} from "./helpers";

jest.setTimeout(120_000);

/**
 * A real edge in front of two simulator web services (the slots), a real guardian reading its rules from the edge,
 * and a real webhook receiver. Faults are the simulator's, at the slot's front.
 */
describe("guardian: alerting over a real edge and the simulator", () => {
  let h: Awaited<ReturnType<typeof startSim>>;
  let blue: { id: string; url: string };
  let green: { id: string; url: string };
  let edge: Edge & { lines: string[] };
  let hook: Webhook;

  beforeAll(async () => {
    h = await startSim();
    [blue, green] = await Promise.all([webService(h.api, "api-blue"), webService(h.api, "api-green")]);
    edge = await startEdge(
      {
        PORT: "0",
        EDGE_LISTEN_HOST: "127.0.0.1",
        EDGE_ADMIN_TOKEN: TOKEN,
        EDGE_APPS: JSON.stringify({ api: { blue: blue.url, green: green.url, healthPath: "/healthz" } }),
        EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
        EDGE_PROBE_INTERVAL_MS: "200",
        EDGE_DRAIN_TIMEOUT_MS: "1000",
        EDGE_SHUTDOWN_GRACE_MS: "1000",
        // The guardian's decisions are under test: the edge's own passive rollback on failing requests would pre-empt them.
        EDGE_PASSIVE_ROLLBACK: "off",
      },
      { extensions: loadExtensions({}) },
    );
  });
  afterAll(async () => {
    await edge?.stop();
    await h?.close();
  });
  beforeEach(async () => {
    hook = await startWebhook();
    await setFaults(h.sim, blue.id, { errorRate: 0, healthy: true });
    await setFaults(h.sim, green.id, { errorRate: 0, healthy: true });
  });
  afterEach(async () => {
    await hook.close();
  });

  it("fires once, keeps firing, recovers with one resolve message, and no secret reaches the webhook or the log", async () => {
    const r = rule({
      name: "api-error-rate",
      signal: "api.error_rate",
      target: "api",
      comparator: ">",
      critical: { threshold: 0.2, recovery: 0.1 },
      window: "2s",
      for: "1s",
      keepFiringFor: "2s",
      noData: "keep-last",
      minSamples: 5,
      // Canaries where a careless notifier would copy them from.
      summary: `orders failing; key ${CANARY_RENDER_KEY} token ${TOKEN}`,
      labels: { team: "platform", leak: CANARY_RENDER_KEY },
    });
    await putRules(edge.url, [r]);
    const lines: string[] = [];
    const g = new Guardian(
      guardianConfig({ EDGE_URL: edge.url, ALERT_WEBHOOK_URL: hook.url, RENDER_API_URL: h.sim.apiUrl, RENDER_API_KEY: CANARY_RENDER_KEY }),
      { log: (l) => lines.push(l) },
    );
    const load = steadyTraffic(edge.url);
    g.start();
    try {
      await until(() => g.stateOf("api-error-rate")?.status === "inactive" && g.ticks > 15, 20_000, "healthy baseline evaluated");
      expect(g.events.filter((e) => e.type === "firing")).toHaveLength(0);

      await setFaults(h.sim, blue.id, { errorRate: 0.6 });
      await until(() => g.stateOf("api-error-rate")?.status === "firing", 20_000, "firing");
      // It keeps firing across evaluations while the fault lasts, and says so once.
      const firingEvals = g.stateOf("api-error-rate")!.lastEvalAt!;
      await until(() => (g.stateOf("api-error-rate")!.lastEvalAt ?? 0) >= firingEvals + 3000, 10_000, "three more evaluations");
      expect(g.stateOf("api-error-rate")!.status).toBe("firing");

      await setFaults(h.sim, blue.id, { errorRate: 0 });
      await until(() => g.events.some((e) => e.type === "resolved"), 20_000, "resolved");
      await until(() => g.stateOf("api-error-rate")?.status === "inactive", 10_000, "inactive");
      await g.idle();

      const kinds = hook.bodies.map((b) => (/\[(FIRING \w+|RESOLVED|NODATA)\]/.exec(b.text) ?? [])[1]);
      expect(kinds).toEqual(["FIRING critical", "RESOLVED"]);
      expect(hook.bodies[0]!.blocks.length).toBeGreaterThan(0);
      expect(hook.bodies[0]!.text).toContain("api-error-rate");
      // The rule had no action: the edge still routes to blue.
      expect((await new EdgeAdminClient({ url: edge.url, token: TOKEN }).getState()).active.api).toBe("blue");
      for (const text of [...hook.raw, ...lines]) {
        expect(text).not.toContain(TOKEN);
        expect(text).not.toContain(CANARY_RENDER_KEY);
        expect(text).not.toContain(CANARY_WEBHOOK_PATH);
      }
      expect(hook.raw.join("\n")).toContain("[REDACTED]");
    } finally {
      await load.stop();
      await g.stop();
    }
  });

  it("a rule with action rollback switches the app back through the real edge, once, and says so", async () => {
    await putRules(edge.url, [
      rule({
        name: "api-error-rate",
        signal: "api.error_rate",
        target: "api",
        comparator: ">",
        critical: { threshold: 0.2, recovery: 0.1 },
        window: "2s",
        for: "0s",
        keepFiringFor: "3s",
        noData: "keep-last",
        minSamples: 5,
        action: { type: "rollback", app: "api" },
      }),
    ]);
    const admin = new EdgeAdminClient({ url: edge.url, token: TOKEN });
    // Promote green first, so rolling back means returning to blue, the warm previous slot.
    await admin.switch({ app: "api", slot: "green", reason: "promote 2", actor: "test" });
    const g = new Guardian(guardianConfig({ EDGE_URL: edge.url, ALERT_WEBHOOK_URL: hook.url }), { log: () => undefined });
    const load = steadyTraffic(edge.url);
    g.start();
    try {
      await until(() => g.ticks > 5, 10_000, "guardian running");
      await setFaults(h.sim, green.id, { errorRate: 1 });
      await until(() => g.actionsTaken.length > 0, 20_000, "an action");
      await g.idle();
      expect(g.actionsTaken[0]).toMatchObject({ rule: "api-error-rate", action: "rollback", result: { ok: true } });
      const state = await admin.getState();
      expect(state.active.api).toBe("blue");
      const events = await admin.events();
      expect(events.filter((e) => e.by.startsWith("guardian@") && e.kind === "switch")).toEqual([expect.objectContaining({ from: "green", to: "blue" })]);
      // Traffic is healthy again on blue; the alert resolves without a second rollback.
      await until(() => g.events.some((e) => e.type === "resolved"), 20_000, "resolved");
      expect(g.actionsTaken).toHaveLength(1);
      await g.idle();
      expect(hook.bodies.some((b) => /rolled back api: green → blue/.test(b.text))).toBe(true);
    } finally {
      await load.stop();
      await g.stop();
      await admin.switch({ app: "api", slot: "blue", force: true, actor: "test" });
    }
  });
});
