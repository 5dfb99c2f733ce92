import { ActionRunner } from "../../../apps/guardian/actions";
import { Guardian, readOnlyRenderClient } from "../../../apps/guardian/guardian";
import { loadExtensions } from "../../../apps/edge/extensions";
import { EdgeAdminClient } from "../../../infra/edge-contract/client";
import type { Edge } from "../../../apps/edge/edge";
import type { AlertRule } from "../../../infra/alerts/rule";
import { startEdge } from "../edge/helpers";
import { TOKEN, guardianConfig, putRules, rule, setFaults, startSim, startWebhook, until, webService } from "./helpers";

jest.setTimeout(120_000);

const ENGINE = "srv-alphastackengine0000";

/** AlphaStack is watched, never touched: an outage alerts, and nothing the guardian can do reaches AlphaStack. */
describe("guardian: AlphaStack outage", () => {
  it("an engine outage (simulator fault healthy:false) raises an alert and a resolve, with no action and no write anywhere", async () => {
    const h = await startSim();
    const hook = await startWebhook();
    let edge: (Edge & { lines: string[] }) | undefined;
    let g: Guardian | undefined;
    try {
      const [blue, green] = await Promise.all([webService(h.api, "api-blue"), webService(h.api, "api-green")]);
      edge = await startEdge(
        {
          PORT: "0",
          EDGE_LISTEN_HOST: "127.0.0.1",
          EDGE_ADMIN_TOKEN: TOKEN,
          EDGE_APPS: JSON.stringify({ api: { blue: blue.url, green: green.url, healthPath: "/healthz" } }),
          EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
        },
        { extensions: loadExtensions({}) },
      );
      await putRules(edge.url, [
        rule({
          name: "alphastack-engine-status",
          signal: "alphastack.engine_status",
          comparator: "<",
          critical: { threshold: 0.5 },
          window: "2s",
          noData: "alerting",
          noDataAfter: "2s",
        }),
      ]);
      // The edge refuses to store a rule that would act on AlphaStack (first layer).
      const bad = await fetch(`${edge.url}/__edge/alerts/rules/alphastack-rollback`, {
        method: "PUT",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          ...rule({ name: "alphastack-rollback", signal: "alphastack.engine_status", comparator: "<", critical: { threshold: 0.5 } }),
          action: { type: "rollback", app: "api" },
        }),
      });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/action: rules about AlphaStack notify only/);

      const versionBefore = (await new EdgeAdminClient({ url: edge.url, token: TOKEN }).getState()).version;
      // No ALPHASTACK_HEALTH_URL: the guardian reads the engine's URL and health path from Render's API (GET only).
      g = new Guardian(guardianConfig({ EDGE_URL: edge.url, ALERT_WEBHOOK_URL: hook.url, RENDER_API_URL: h.sim.apiUrl, RENDER_API_KEY: h.sim.apiKey }), {
        log: () => undefined,
      });
      g.start();
      await until(() => g!.stateOf("alphastack-engine-status")?.status === "inactive" && g!.ticks > 10, 20_000, "engine up");

      await setFaults(h.sim, ENGINE, { healthy: false });
      await until(() => g!.stateOf("alphastack-engine-status")?.status === "firing", 20_000, "outage firing");
      await setFaults(h.sim, ENGINE, { healthy: true });
      await until(() => g!.events.some((e) => e.type === "resolved"), 20_000, "engine back");
      await g.idle();

      expect(hook.bodies.map((b) => b.text)).toEqual([
        expect.stringMatching(/\[FIRING critical\] alphastack-engine-status/),
        expect.stringMatching(/\[RESOLVED\] alphastack-engine-status/),
      ]);
      expect(g.actionsTaken).toEqual([]);
      // Nothing changed on the edge; the engine is still running its seeded deploy, unsuspended.
      expect((await new EdgeAdminClient({ url: edge.url, token: TOKEN }).getState()).version).toBe(versionBefore);
      const engine = (await h.api("GET", `/services/${ENGINE}`)).body;
      expect(engine.suspended).toBe("not_suspended");
    } finally {
      await g?.stop();
      await edge?.stop();
      await hook.close();
      await h.close();
    }
  });

  it("the guard refuses an action about or naming AlphaStack before any call, even for a rule that skipped validation", async () => {
    const h = await startSim();
    let edge: (Edge & { lines: string[] }) | undefined;
    try {
      const [blue, green] = await Promise.all([webService(h.api, "api-blue"), webService(h.api, "api-green")]);
      edge = await startEdge(
        {
          PORT: "0",
          EDGE_LISTEN_HOST: "127.0.0.1",
          EDGE_ADMIN_TOKEN: TOKEN,
          EDGE_APPS: JSON.stringify({ api: { blue: blue.url, green: green.url, healthPath: "/healthz" } }),
          EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
        },
        { extensions: loadExtensions({}) },
      );
      const admin = new EdgeAdminClient({ url: edge.url, token: TOKEN });
      const before = await admin.getState();
      const runner = new ActionRunner({ edgeUrl: edge.url, token: TOKEN, extraProtected: ["srv-extraprotected01"] });
      const base = rule({ name: "engine", signal: "alphastack.engine_status", comparator: "<", critical: { threshold: 0.5 } });
      // Forged rules (as if validation had been bypassed): about AlphaStack, targeting it, naming it in the action.
      const forged: Array<[AlertRule, Parameters<ActionRunner["run"]>[1]]> = [
        [base, { type: "rollback", app: "api" }],
        [{ ...base, signal: "api.error_rate", target: "alphastack-engine" } as AlertRule, { type: "rollback", app: "api" }],
        [{ ...base, signal: "api.error_rate", target: "api" } as AlertRule, { type: "rollback", app: "alphastack-engine" }],
        [{ ...base, signal: "api.error_rate", target: "api" } as AlertRule, { type: "killSwitch", flag: "srv-extraprotected01" }],
      ];
      for (const [r, a] of forged) {
        const result = await runner.run(r, a, "test");
        expect(result).toMatchObject({ ok: false, refused: true });
        expect(result.summary).toMatch(/never acts on AlphaStack/);
      }
      const after = await admin.getState();
      expect(after.version).toBe(before.version);
      expect(after.active.api).toBe("blue");

      // The guardian's Render client is read-only: a write to the engine is refused before it is sent.
      const render = readOnlyRenderClient({ apiUrl: h.sim.apiUrl, apiKey: h.sim.apiKey });
      await expect(render.services.suspend(ENGINE)).rejects.toThrow(/read-only: refused POST/);
      expect((await h.api("GET", `/services/${ENGINE}`)).body.suspended).toBe("not_suspended");
    } finally {
      await edge?.stop();
      await h.close();
    }
  });
});
