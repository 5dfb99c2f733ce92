import type { DataPlane } from "../../../sim/dataplane";
import { ServiceMetrics } from "../../../sim/dataplane/metrics";
import { cleanup, dataPlane, eventually, http, lastMinute, spec, tempState } from "./helpers";

const sum = (points: { value: number }[]) => points.reduce((s, p) => s + p.value, 0);

/** Counters over a ring of per-second slots, queried at any resolution (fixed clocks: no timing in assertions). */
describe("ServiceMetrics", () => {
  const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

  it("aggregates requests into resolution-aligned buckets, zero-filled from the first tracked second", () => {
    const m = new ServiceMetrics(7200, T0);
    for (let i = 0; i < 10; i++) m.record(200, 5, 100, T0 + i * 1000);
    for (let i = 0; i < 5; i++) m.record(500, 5, 100, T0 + 40_000 + i);
    const q = { startTime: new Date(T0 - 60_000), endTime: new Date(T0 + 89_000), resolutionSeconds: 30 };
    expect(m.query("http-requests", q, T0 + 90_000)).toEqual([
      { timestamp: "2026-01-01T12:00:00Z", value: 10 },
      { timestamp: "2026-01-01T12:00:30Z", value: 5 },
      { timestamp: "2026-01-01T12:01:00Z", value: 0 },
    ]);
    expect(sum(m.query("http-requests", { ...q, statusCodes: [500] }, T0 + 90_000))).toBe(5);
    expect(m.query("bandwidth", q, T0 + 90_000)[0]).toEqual({ timestamp: "2026-01-01T12:00:00Z", value: 0.001 });
    const byCode = m.series("srv-x", "http-requests", { ...q, aggregateBy: "statusCode" }, T0 + 90_000);
    expect(byCode.map((s) => [s.labels[1].value, sum(s.values)])).toEqual([
      ["200", 10],
      ["500", 5],
    ]);
  });

  it("answers latency quantiles within the histogram's 5 % and leaves buckets without traffic out", () => {
    const m = new ServiceMetrics(7200, T0);
    for (let i = 1; i <= 100; i++) m.record(200, i, 0, T0 + 1000);
    const q = { startTime: new Date(T0), endTime: new Date(T0 + 119_000), resolutionSeconds: 60 };
    const at = (quantile: number) => m.query("http-latency", { ...q, quantile }, T0 + 120_000);
    expect(at(0.5)).toHaveLength(1);
    expect(at(0.5)[0].value).toBeGreaterThanOrEqual(47.5);
    expect(at(0.5)[0].value).toBeLessThanOrEqual(52.5);
    expect(at(0.99)[0].value).toBeGreaterThanOrEqual(94);
    expect(at(0.99)[0].value).toBeLessThanOrEqual(104);
  });

  it("forgets seconds older than its retention", () => {
    const m = new ServiceMetrics(60, T0);
    m.record(200, 1, 0, T0);
    const q = { startTime: new Date(T0), endTime: new Date(T0 + 600_000), resolutionSeconds: 30 };
    expect(sum(m.query("http-requests", q, T0 + 30_000))).toBe(1);
    m.record(200, 1, 0, T0 + 60_000); // same slot, a minute later: overwrites
    expect(sum(m.query("http-requests", q, T0 + 61_000))).toBe(1);
    expect(sum(m.query("http-requests", q, T0 + 600_000))).toBe(0);
  });

  it("combines instances' CPU and memory by AVG, MAX or MIN", () => {
    const m = new ServiceMetrics(7200, T0);
    m.sample({ cpu: [0.1, 0.3], memory: [100, 300], instances: 2 }, T0);
    const q = { startTime: new Date(T0), endTime: new Date(T0 + 29_000), resolutionSeconds: 30 };
    expect(m.query("cpu", q, T0 + 30_000)[0].value).toBeCloseTo(0.2);
    expect(m.query("cpu", { ...q, aggregationMethod: "MAX" }, T0 + 30_000)[0].value).toBeCloseTo(0.3);
    expect(m.query("memory", { ...q, aggregationMethod: "MIN" }, T0 + 30_000)[0].value).toBe(100);
    expect(m.query("instance-count", q, T0 + 30_000)[0].value).toBe(2);
  });
});

/** The same counters fed by real HTTP traffic through a service's front. */
describe("data plane: metrics from real traffic", () => {
  let dir: string;
  let dp: DataPlane;
  beforeEach(() => {
    dir = tempState();
    dp = dataPlane(dir, { sampleIntervalMs: 100 });
  });
  afterEach(async () => {
    await dp.stop();
    cleanup(dir);
  });

  it("counts every request by status, its latency and its bytes", async () => {
    const s = spec();
    const { url } = await dp.apply(s);
    for (let i = 0; i < 30; i++) await http(`${url}/ok`);
    dp.setFaults(s.id, { errorRate: 1 });
    for (let i = 0; i < 10; i++) await http(`${url}/fail`);
    dp.setFaults(s.id, { errorRate: 0, latencyMs: 80 });
    for (let i = 0; i < 10; i++) await http(`${url}/slow`);

    expect(sum(dp.metrics(s.id, "http-requests", lastMinute()))).toBe(50);
    expect(sum(dp.metrics(s.id, "http-requests", lastMinute({ statusCodes: [500] })))).toBe(10);
    const byCode = dp.metricSeries(s.id, "http-requests", lastMinute({ aggregateBy: "statusCode" }));
    expect(byCode.map((x) => [x.labels.find((l) => l.field === "statusCode")?.value, sum(x.values)])).toEqual([
      ["200", 40],
      ["500", 10],
    ]);

    const p50 = dp.metrics(s.id, "http-latency", lastMinute({ quantile: 0.5 }));
    const p99 = dp.metrics(s.id, "http-latency", lastMinute({ quantile: 0.99 }));
    expect(p50.length).toBeGreaterThan(0);
    expect(Math.max(...p99.map((p) => p.value))).toBeGreaterThanOrEqual(80 * 0.95);
    expect(Math.min(...p50.map((p) => p.value))).toBeLessThan(80);

    // Headers and bodies of 50 responses: well over 50 × 100 bytes, far under 1 MB.
    const mb = sum(dp.metrics(s.id, "bandwidth", lastMinute()));
    expect(mb).toBeGreaterThan(0.005);
    expect(mb).toBeLessThan(1);
  });

  it("samples instance count, CPU and memory, following a scale-out", async () => {
    const s = spec({ numInstances: 1 });
    await dp.apply(s);
    await dp.apply({ ...s, numInstances: 3 });
    await eventually(() => dp.metrics(s.id, "instance-count", lastMinute({ resolutionSeconds: 30 })).some((p) => p.value === 3), 5_000, "instance count 3");
    const cpu = dp.metrics(s.id, "cpu", lastMinute());
    const mem = dp.metrics(s.id, "memory", lastMinute());
    expect(cpu.length).toBeGreaterThan(0);
    expect(cpu.every((p) => p.value > 0 && p.value < 1)).toBe(true);
    expect(mem.every((p) => p.value > 32 * 2 ** 20)).toBe(true);
  });

  it("has no series for an unknown service", () => {
    expect(dp.metrics("srv-unknown0000000000000", "http-requests", lastMinute())).toEqual([]);
  });
});
