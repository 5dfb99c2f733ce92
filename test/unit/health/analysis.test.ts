import * as fs from "node:fs";
import * as path from "node:path";
import { analyze, evaluateMeasurement, MeasurementSchema, parseMetric, type Measurement, type MetricInput } from "../../../infra/health";

function series(name: string): Measurement[] {
  const raw = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", `${name}.json`), "utf8")) as unknown[];
  return raw.map((m) => MeasurementSchema.parse(m));
}

const probeMetric = (over: Partial<MetricInput> = {}) =>
  parseMetric({ name: "health", intervalMs: 10_000, count: 5, successCondition: { status: ["2xx"], latencyMs: { p99: { lt: 500 } } }, ...over });

/** What a promotion's post-switch analysis looks like: error rate and p99 over edge traffic windows. */
const bakeMetric = (over: Partial<MetricInput> = {}) =>
  parseMetric({
    name: "bake",
    intervalMs: 10_000,
    count: 4,
    minSamples: 20,
    successCondition: { errorRate: { lt: 0.01 }, latencyMs: { p99: { lt: 500 } } },
    failureCondition: { errorRate: { gte: 0.05 } },
    failureLimit: 1,
    ...over,
  });

describe("evaluateMeasurement (Argo's measurement phases)", () => {
  const at = { startedAt: "2026-11-20T14:00:00Z", finishedAt: "2026-11-20T14:00:01Z" };
  it("with both conditions, a value meeting neither is Inconclusive", () => {
    // error rate 2%: not below 1% (no success), not at or above 5% (no failure)
    expect(evaluateMeasurement(bakeMetric(), { ...at, value: { samples: 500, errorRate: 0.02, latencyMs: { p99: 100 } } })).toBe("Inconclusive");
  });
  it("the failure condition wins over the success condition", () => {
    const m = parseMetric({
      name: "x",
      intervalMs: 1000,
      count: 1,
      successCondition: { latencyMs: { p99: { lt: 500 } } },
      failureCondition: { errorRate: { gte: 0.05 } },
    });
    expect(evaluateMeasurement(m, { ...at, value: { samples: 500, errorRate: 0.5, latencyMs: { p99: 10 } } })).toBe("Failed");
  });
  it("with only a success condition, not meeting it is Failed", () => {
    expect(evaluateMeasurement(probeMetric(), { ...at, value: { samples: 1, status: 503, latencyMs: { p99: 3 } } })).toBe("Failed");
    expect(evaluateMeasurement(probeMetric(), { ...at, value: { samples: 1, status: 204, latencyMs: { p99: 3 } } })).toBe("Successful");
  });
  it("with only a failure condition, not meeting it is Successful", () => {
    const m = parseMetric({ name: "x", intervalMs: 1000, count: 1, failureCondition: { status: [0, "5xx"] } });
    expect(evaluateMeasurement(m, { ...at, value: { samples: 1, status: 200 } })).toBe("Successful");
    expect(evaluateMeasurement(m, { ...at, value: { samples: 1, status: 0, transportError: "ECONNREFUSED" } })).toBe("Failed");
  });
  it("missing data is Inconclusive, never a pass or a failure", () => {
    expect(evaluateMeasurement(bakeMetric(), { ...at, value: { samples: 500 } })).toBe("Inconclusive");
  });
  it("fewer samples than minSamples is Inconclusive even when the figures look perfect", () => {
    expect(evaluateMeasurement(bakeMetric(), { ...at, value: { samples: 19, errorRate: 0, latencyMs: { p99: 5 } } })).toBe("Inconclusive");
    expect(evaluateMeasurement(bakeMetric(), { ...at, value: { samples: 20, errorRate: 0, latencyMs: { p99: 5 } } })).toBe("Successful");
  });
  it("a provider error is an Error, not a failed app", () => {
    expect(evaluateMeasurement(bakeMetric(), { ...at, error: "edge-metrics timed out after 3000 ms" })).toBe("Error");
  });
});

describe("analyze on recorded series", () => {
  it("healthy probes: Running until count, then Successful", () => {
    const s = series("healthy-probes");
    expect(analyze(probeMetric(), s.slice(0, 4)).phase).toBe("Running");
    const r = analyze(probeMetric(), s.slice(0, 5));
    expect(r).toMatchObject({ phase: "Successful", successful: 5, failed: 0 });
  });

  it("a crash after the switch fails the analysis at the first failure above the limit, naming the status", () => {
    const r = analyze(probeMetric({ count: 10, failureLimit: 1 }), series("crash-after-switch-probes"));
    expect(r.phase).toBe("Failed");
    expect(r.measurements).toBe(5); // decided at the second 503, before the series ends
    expect(r.reason).toContain("status 503");
    expect(r.reason).toContain("failureLimit 1");
  });

  it("an error-rate spike stops the bake at the first window between the thresholds (inconclusiveLimit 0)", () => {
    const r = analyze(bakeMetric({ count: 5 }), series("error-spike-windows"));
    // 4.2% errors: not below 1%, not yet at 5%: Argo's Inconclusive, which stops a promotion with traffic unchanged.
    expect(r).toMatchObject({ phase: "Inconclusive", measurements: 3, phases: ["Successful", "Successful", "Inconclusive"] });
  });

  it("the same spike with a tolerant inconclusive limit fails on the 11.8% and 13.1% windows, it does not pass", () => {
    const r = analyze(bakeMetric({ count: 5, inconclusiveLimit: 3 }), series("error-spike-windows"));
    expect(r).toMatchObject({ phase: "Failed", measurements: 5, phases: ["Successful", "Successful", "Inconclusive", "Failed", "Failed"] });
    expect(r.reason).toContain("error rate 13.10%");
  });

  it("low traffic is Inconclusive: neither a false pass nor a false rollback", () => {
    const s = series("low-traffic-windows");
    // One window had 1 error in 5 requests (20%): with minSamples it must not count as a failure.
    const r = analyze(bakeMetric({ count: 5, inconclusiveLimit: 2 }), s);
    expect(r.phase).toBe("Inconclusive");
    expect(r.failed).toBe(0);
    expect(r.reason).toContain("fewer than 20 samples");
  });

  it("low traffic with every window tolerated still ends Inconclusive, never Successful", () => {
    const r = analyze(bakeMetric({ count: 5, inconclusiveLimit: 10 }), series("low-traffic-windows"));
    expect(r.phase).toBe("Inconclusive");
    expect(r.successful).toBe(0);
  });

  it("a latency regression with a clean error rate fails on p99", () => {
    const r = analyze(
      bakeMetric({
        failureCondition: { errorRate: { gte: 0.05 } },
        successCondition: { errorRate: { lt: 0.01 }, latencyMs: { p99: { lt: 500 } } },
        failureLimit: 0,
        inconclusiveLimit: 0,
      }),
      series("latency-regression-windows"),
    );
    // Both conditions set: p99 1480 ms meets neither (error rate fine) → Inconclusive stops the promotion.
    expect(r.phase).toBe("Inconclusive");
    const strict = analyze(bakeMetric({ failureCondition: undefined, failureLimit: 0 }), series("latency-regression-windows"));
    expect(strict.phase).toBe("Failed");
    expect(strict.reason).toContain("p99 1480.0 ms");
  });

  it("provider errors within the consecutive-error limit do not decide anything", () => {
    const r = analyze(bakeMetric({ count: 5, consecutiveErrorLimit: 2 }), series("flaky-provider-windows"));
    expect(r).toMatchObject({ phase: "Successful", errors: 2, successful: 3 });
  });

  it("provider errors above the consecutive-error limit end in Error", () => {
    const r = analyze(bakeMetric({ count: 6, consecutiveErrorLimit: 1 }), series("flaky-provider-windows"));
    expect(r.phase).toBe("Error");
    const down = analyze(bakeMetric({ count: 6 }), series("provider-down-windows"));
    expect(down.phase).toBe("Error");
    expect(down.reason).toContain("ECONNREFUSED");
  });

  it("no measurements at all is Running, never Successful", () => {
    expect(analyze(bakeMetric(), []).phase).toBe("Running");
  });

  it("errors only, within the limit, end Inconclusive at count (nothing was measured)", () => {
    const r = analyze(bakeMetric({ count: 3, consecutiveErrorLimit: 5 }), series("provider-down-windows").slice(0, 3));
    expect(r.phase).toBe("Inconclusive");
  });
});

describe("parseMetric (bad input)", () => {
  it("names the field and the fix", () => {
    expect(() => parseMetric({ name: "m", intervalMs: 0, count: 3, successCondition: { status: ["2xx"] } })).toThrow(/metric\.intervalMs/);
    expect(() => parseMetric({ name: "m", intervalMs: 1000, count: 3 })).toThrow(/metric\.successCondition: set successCondition and\/or failureCondition/);
    expect(() => parseMetric({ name: "m", intervalMs: 1000, count: 3, successCondition: { errorRate: {} } })).toThrow(
      /errorRate: a bound needs at least one of/,
    );
    expect(() => parseMetric({ name: "m", intervalMs: 1000, count: 3, successCondition: { status: ["6xx"] } })).toThrow(/successCondition\.status/);
  });
  it("applies Argo's defaults", () => {
    const m = parseMetric({ name: "m", intervalMs: 1000, count: 3, successCondition: { status: ["2xx"] } });
    expect(m).toMatchObject({ failureLimit: 0, consecutiveErrorLimit: 4, inconclusiveLimit: 0, initialDelayMs: 0, minSamples: 1 });
  });
});
