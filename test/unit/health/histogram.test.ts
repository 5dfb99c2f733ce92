import { histogramQuantile, windowValue, type EdgeMetricsSnapshot } from "../../../infra/health";

describe("histogramQuantile", () => {
  const bounds = [10, 50, 100, 500];
  it("interpolates inside the bucket holding the rank", () => {
    // 100 requests: 50 ≤10 ms, 40 in (10,50], 10 in (50,100]
    expect(histogramQuantile(0.5, bounds, [50, 90, 100, 100, 100])).toBe(10);
    expect(histogramQuantile(0.7, bounds, [50, 90, 100, 100, 100])).toBeCloseTo(30);
    expect(histogramQuantile(0.99, bounds, [50, 90, 100, 100, 100])).toBeCloseTo(95);
  });
  it("returns the highest finite bound for a rank in +Inf and undefined without data", () => {
    expect(histogramQuantile(0.99, bounds, [0, 0, 0, 0, 10])).toBe(500);
    expect(histogramQuantile(0.5, bounds, [0, 0, 0, 0, 0])).toBeUndefined();
  });
});

describe("windowValue (edge-metrics provider)", () => {
  const snap = (instance: string, requests: number, fivexx: number, cum: number[]): EdgeMetricsSnapshot => ({
    instance,
    startedAt: "t",
    takenAt: "t",
    bucketsMs: [10, 100],
    series: [
      {
        app: "api",
        route: "r",
        slot: "green",
        requests,
        classes: { "1xx": 0, "2xx": requests - fivexx, "3xx": 0, "4xx": 0, "5xx": fivexx, error: 0 },
        latency: { cumulative: cum, sumMs: 0 },
      },
      {
        app: "web",
        route: "r",
        slot: "green",
        requests: 999,
        classes: { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 999, error: 0 },
        latency: { cumulative: [999, 999, 999], sumMs: 0 },
      },
    ],
  });
  it("diffs two snapshots of one app", () => {
    const v = windowValue(snap("i1", 100, 0, [100, 100, 100]), snap("i1", 300, 20, [250, 300, 300]), { app: "api" });
    expect(v.samples).toBe(200);
    expect(v.errorRate).toBeCloseTo(0.1);
    expect(v.latencyMs?.p50).toBeCloseTo(6.67, 1);
  });
  it("restarts the window when the edge instance changed (counter reset)", () => {
    const v = windowValue(snap("i1", 1000, 0, [1000, 1000, 1000]), snap("i2", 50, 5, [50, 50, 50]), { app: "api" });
    expect(v).toMatchObject({ samples: 50, errorRate: 0.1 });
  });
  it("gives no data (samples 0) for a window without requests", () => {
    expect(windowValue(snap("i1", 100, 0, [100, 100, 100]), snap("i1", 100, 0, [100, 100, 100]), { app: "api" })).toEqual({ samples: 0 });
    expect(windowValue(undefined, snap("i1", 100, 0, [100, 100, 100]), { app: "api", slot: "blue" })).toEqual({ samples: 0 });
  });
});
