import { Guardian } from "../../../apps/guardian/guardian";
import { EdgeAdminClient } from "../../../infra/edge-contract/client";
import { loadExtensions } from "../../../apps/edge/extensions";
import { edgeEnv, slots, startEdge } from "../edge/helpers";
import { TOKEN, guardianConfig, putRules, rule, steadyTraffic, until } from "./helpers";

jest.setTimeout(60_000);

describe("guardian: kill-switch action", () => {
  it("a critical alert with action killSwitch turns the flag off through the edge's flags admin API, once", async () => {
    const s = await slots("api");
    // The guardian's kill switch is under test: the edge's passive rollback would move traffic off the failing slot first.
    const edge = await startEdge(edgeEnv(s, { EDGE_PASSIVE_ROLLBACK: "off" }), { extensions: loadExtensions({}) });
    const flags = new EdgeAdminClient({ url: edge.url, token: TOKEN }).flags;
    await flags.put("new-checkout", {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "on",
      metadata: { kind: "release", owner: "team-checkout", createdAt: new Date().toISOString().slice(0, 10) },
    });
    await putRules(edge.url, [
      rule({
        name: "checkout-errors",
        signal: "api.error_rate",
        target: "api",
        comparator: ">",
        critical: { threshold: 0.3 },
        window: "2s",
        minSamples: 5,
        noData: "keep-last",
        action: { type: "killSwitch", flag: "new-checkout" },
      }),
    ]);
    const evaluateFlag = async () =>
      (
        (await (
          await fetch(`${edge.url}/ofrep/v1/evaluate/flags/new-checkout`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
        ).json()) as { value?: boolean }
      ).value;
    const g = new Guardian(guardianConfig({ EDGE_URL: edge.url }), { log: () => undefined });
    const load = steadyTraffic(edge.url);
    g.start();
    try {
      await until(() => g.ticks > 5, 10_000, "ticks");
      expect(await evaluateFlag()).toBe(true);
      s.api.blue.faults.errorRate = 1;
      await until(() => g.actionsTaken.length > 0, 15_000, "the kill");
      await g.idle();
      expect(g.actionsTaken).toEqual([
        expect.objectContaining({
          action: "killSwitch",
          result: expect.objectContaining({ ok: true, summary: "killed flag 'new-checkout' (served off to everyone)" }),
        }),
      ]);
      expect(await evaluateFlag()).toBe(false);
      expect((await flags.get("new-checkout"))?.override).toMatchObject({ state: "off", by: "guardian" });
      await new Promise((r) => setTimeout(r, 1500));
      expect(g.actionsTaken).toHaveLength(1); // still firing: no second kill
    } finally {
      await load.stop();
      await g.stop();
      await edge.stop();
      await s.api.blue.close();
      await s.api.green.close();
    }
  });
});
