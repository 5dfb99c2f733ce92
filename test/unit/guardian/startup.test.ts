import { Guardian } from "../../../apps/guardian/guardian";
import { loadExtensions } from "../../../apps/edge/extensions";
import { edgeEnv, slots, startEdge } from "../edge/helpers";
import { guardianConfig, putRules, rule, until } from "./helpers";

jest.setTimeout(30_000);

describe("guardian start-up", () => {
  it("a series not collected yet is not 'no data' until the rule's noDataAfter has passed since start; then noData applies", async () => {
    const s = await slots("api");
    const edge = await startEdge(edgeEnv(s), { extensions: loadExtensions({}) });
    // No traffic at all: error-rate samples never come. noData "alerting" must fire, but not at the first tick.
    await putRules(edge.url, [
      rule({
        name: "quiet",
        signal: "api.error_rate",
        target: "api",
        comparator: ">",
        critical: { threshold: 0.5 },
        window: "2s",
        noData: "alerting",
        noDataAfter: "2s",
      }),
    ]);
    const g = new Guardian(guardianConfig({ EDGE_URL: edge.url }), { log: () => undefined });
    const t0 = Date.now();
    g.start();
    try {
      await until(() => g.ticks >= 5, 10_000, "ticks");
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(g.stateOf("quiet")).toBeUndefined();
      await until(() => g.stateOf("quiet")?.status === "firing", 10_000, "no data alerting");
      expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    } finally {
      await g.stop();
      await edge.stop();
      await s.api.blue.close();
      await s.api.green.close();
    }
  });
});
