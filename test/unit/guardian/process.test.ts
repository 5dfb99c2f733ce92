import { loadExtensions } from "../../../apps/edge/extensions";
import type { Edge } from "../../../apps/edge/edge";
import { startEdge } from "../edge/helpers";
import { CANARY_WEBHOOK_PATH, TOKEN, putRules, rule, setFaults, startSim, startWebhook, until, webService } from "./helpers";

jest.setTimeout(120_000);

/** The guardian as Render runs it: a background worker from image `stackguard/guardian:<tag>`, a real process. */
describe("guardian as a simulator background worker", () => {
  it("starts from stackguard/guardian:0.1.0, reads its rules from the edge and notifies an AlphaStack outage", async () => {
    const h = await startSim();
    const hook = await startWebhook();
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
      await putRules(edge.url, [
        rule({ name: "alphastack-engine-status", signal: "alphastack.engine_status", comparator: "<", critical: { threshold: 0.5 }, window: "2s" }),
      ]);
      const env = {
        EDGE_URL: edge.url,
        EDGE_ADMIN_TOKEN: TOKEN,
        RENDER_API_URL: h.sim.apiUrl,
        RENDER_API_KEY: h.sim.apiKey,
        ALERT_WEBHOOK_URL: hook.url,
        GUARDIAN_INTERVAL_MS: "200",
        GUARDIAN_RULES_REFRESH_MS: "500",
        STACKGUARD_ENVIRONMENT: "staging",
      };
      const created = await h.api("POST", "/services", {
        type: "background_worker",
        name: "guardian",
        ownerId: "tea-stackguardstaging000",
        image: { ownerId: "tea-stackguardstaging000", imagePath: "stackguard/guardian:0.1.0" },
        serviceDetails: { runtime: "image", plan: "starter" },
        envVars: Object.entries(env).map(([key, value]) => ({ key, value })),
      });
      expect(created.status).toBe(201);
      const id = created.body.service.id;
      await until(async () => (await h.api("GET", `/services/${id}/deploys/${created.body.deployId}`)).body.status === "live", 60_000, "guardian live");

      await setFaults(h.sim, "srv-alphastackengine0000", { healthy: false });
      await until(() => hook.bodies.some((b) => /\[FIRING critical\] alphastack-engine-status/.test(b.text)), 30_000, "outage notified by the worker");
      await setFaults(h.sim, "srv-alphastackengine0000", { healthy: true });
      await until(() => hook.bodies.some((b) => /\[RESOLVED\] alphastack-engine-status/.test(b.text)), 30_000, "resolve notified by the worker");
      expect(hook.raw.join("\n")).toContain("[staging]");
      for (const text of hook.raw) {
        expect(text).not.toContain(TOKEN);
        expect(text).not.toContain(h.sim.apiKey);
        expect(text).not.toContain(CANARY_WEBHOOK_PATH);
      }
    } finally {
      await edge?.stop();
      await hook.close();
      await h.close();
    }
  });
});
