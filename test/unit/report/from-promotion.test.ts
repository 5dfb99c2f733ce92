import { PromotionError, type PromotionRecord } from "../../../infra/promotion/record";
import { renderDeployReport } from "../../../infra/report/deploy-report";
import { promotionEntryFromError, promotionEntryFromRecord } from "../../../infra/report/from-promotion";

const record: PromotionRecord = {
  result: "promoted",
  version: "1.5.0",
  from: "blue",
  to: "green",
  at: "2026-11-27T00:45:00.000Z",
  timings: { deployMs: 21_000, preSwitchMs: 10_000, switchMs: 120, bakeMs: 60_000, totalMs: 91_120 },
  preSwitch: "5/5 probes answered 2xx under 1000 ms",
  postSwitch: "6 windows: error rate ≤ 0.3% (limit 1%)",
};

describe("report entries from the TrafficSwitch's promotion results", () => {
  it("maps a promotion record: verdicts, timings, the switch placed bakeMs before the end", () => {
    const e = promotionEntryFromRecord("api", record, { previousVersion: "1.4.2" });
    expect(e).toMatchObject({
      app: "api",
      version: "1.5.0",
      previousVersion: "1.4.2",
      from: "blue",
      to: "green",
      result: "promoted",
      switchedAt: "2026-11-27T00:44:00.000Z",
    });
    expect(e.analysis!.map((a) => [a.phase, a.verdict])).toEqual([
      ["pre-switch", "Successful"],
      ["post-switch", "Successful"],
    ]);
    const html = renderDeployReport({
      stack: "staging",
      startedAt: "2026-11-27T00:43:00Z",
      finishedAt: "2026-11-27T00:45:00Z",
      outcome: "succeeded",
      promotions: [e],
    });
    expect(html).toContain("api: 1.4.2 → 1.5.0 (blue → green)");
  });

  it("plots the windows the record measured through the edge, against its limits; older records have none", () => {
    const traffic = {
      windowMs: 10_000,
      limits: { maxErrorRate: 0.01, maxP99LatencyMs: 1000 },
      windows: [
        { at: "2026-11-27T00:43:55.000Z", slot: "blue" as const, samples: 120, errorRate: 0.001, p50Ms: 20, p99Ms: 140 },
        { at: "2026-11-27T00:44:10.000Z", slot: "green" as const, samples: 0 },
      ],
    };
    const e = promotionEntryFromRecord("api", { ...record, traffic });
    expect(e.series).toEqual([
      { at: "2026-11-27T00:43:55.000Z", slot: "blue", requests: 120, errorRate: 0.001, p50Ms: 20, p99Ms: 140 },
      { at: "2026-11-27T00:44:10.000Z", slot: "green", requests: 0 },
    ]);
    expect(e.thresholds).toEqual(traffic.limits);
    expect(promotionEntryFromRecord("api", record)).toMatchObject({ series: [], thresholds: undefined });
  });

  it("marks an accepted Inconclusive bake, and a baseline of an already-active app (no switch)", () => {
    expect(promotionEntryFromRecord("api", { ...record, result: "promoted-inconclusive" }).analysis![1].verdict).toBe("Inconclusive");
    const base = promotionEntryFromRecord("api", { ...record, result: "already-active", from: "green", to: "green", postSwitch: undefined });
    expect(base.analysis).toEqual([expect.objectContaining({ phase: "baseline" })]);
    expect(base.switchedAt).toBeUndefined();
  });

  it("maps a stopped promotion: failed before the switch, or rolled back after it", () => {
    const pre = promotionEntryFromError("api", {
      version: "1.5.0",
      from: "blue",
      to: "green",
      error: new PromotionError("pre-switch analysis of api 1.5.0 on api-green Failed: probe 3 answered 503"),
    });
    expect(pre).toMatchObject({ result: "failed", analysis: [{ phase: "pre-switch", verdict: "Failed" }] });
    const post = promotionEntryFromError("api", {
      version: "1.5.0",
      from: "blue",
      to: "green",
      error: new PromotionError("post-switch analysis Failed: error rate 9% > 1%; traffic is back on api-blue"),
      switchedAt: "2026-11-27T00:44:00Z",
      switchedBackAt: "2026-11-27T00:44:30Z",
    });
    expect(post).toMatchObject({ result: "rolled-back", analysis: [{ phase: "post-switch", verdict: "Failed" }] });
    const deploy = promotionEntryFromError("api", {
      version: "1.5.0",
      from: "blue",
      to: "green",
      error: new PromotionError("deploy dep-1 of docker.io/a/api:1.5.0 to api-green ended update_failed; traffic stays on api-blue (1.4.2)"),
    });
    expect(deploy).toMatchObject({ result: "failed", analysis: [{ phase: "deploy", verdict: "Error" }] });
  });
});
