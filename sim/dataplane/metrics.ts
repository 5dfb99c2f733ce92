import { LATENCY_BUCKETS, bucketOf, quantileOf } from "./histogram";
import type { MetricName, MetricPoint, MetricSeries, MetricsQuery } from "./types";

/** One sample of a service's resource usage, over its running instances. */
export interface UsageSample {
  /** CPU in cores per instance (e.g. 0.05 = 5 % of one core). */
  cpu: number[];
  /** Resident memory in bytes per instance. */
  memory: number[];
  instances: number;
}

const BYTES_PER_MB = 1_000_000;

function stamp(sec: number): string {
  return new Date(sec * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * Counters of one service in a ring of per-second slots (bounded memory: `retentionSeconds` slots, overwritten as
 * time moves on). Traffic is recorded by the front on every response; usage by the sampler. Queries merge the
 * slots of each resolution-aligned bucket, so any resolution is answered from the same data.
 */
export class ServiceMetrics {
  private readonly sec: Float64Array;
  private readonly requests: Uint32Array;
  private readonly bytes: Float64Array;
  private readonly statuses: Array<Map<number, number> | undefined>;
  private readonly hist: Array<Uint32Array | undefined>;
  private readonly usageSec: Float64Array;
  private readonly cpuAvg: Float64Array;
  private readonly cpuMax: Float64Array;
  private readonly cpuMin: Float64Array;
  private readonly memAvg: Float64Array;
  private readonly memMax: Float64Array;
  private readonly memMin: Float64Array;
  private readonly instances: Float64Array;
  /** First second this service was tracked: request counts are zero-filled from here on, never before. */
  private readonly since: number;

  constructor(
    private readonly retention: number,
    now = Date.now(),
  ) {
    const n = retention;
    this.sec = new Float64Array(n).fill(-1);
    this.requests = new Uint32Array(n);
    this.bytes = new Float64Array(n);
    this.statuses = new Array(n);
    this.hist = new Array(n);
    this.usageSec = new Float64Array(n).fill(-1);
    this.cpuAvg = new Float64Array(n);
    this.cpuMax = new Float64Array(n);
    this.cpuMin = new Float64Array(n);
    this.memAvg = new Float64Array(n);
    this.memMax = new Float64Array(n);
    this.memMin = new Float64Array(n);
    this.instances = new Float64Array(n);
    this.since = Math.floor(now / 1000);
  }

  /** Counts one answered request. Hot path: no allocation once a slot's map and histogram exist. */
  record(status: number, latencyMs: number, bytesOut: number, now = Date.now()): void {
    const s = Math.floor(now / 1000);
    const i = s % this.retention;
    if (this.sec[i] !== s) {
      this.sec[i] = s;
      this.requests[i] = 0;
      this.bytes[i] = 0;
      this.statuses[i]?.clear();
      this.hist[i]?.fill(0);
    }
    this.requests[i]++;
    this.bytes[i] += bytesOut;
    const m = (this.statuses[i] ??= new Map());
    m.set(status, (m.get(status) ?? 0) + 1);
    (this.hist[i] ??= new Uint32Array(LATENCY_BUCKETS))[bucketOf(latencyMs)]++;
  }

  /** Stores one usage sample in the current second's slot. */
  sample(u: UsageSample, now = Date.now()): void {
    const s = Math.floor(now / 1000);
    const i = s % this.retention;
    this.usageSec[i] = s;
    this.instances[i] = u.instances;
    const [ca, cx, cn] = stats(u.cpu);
    const [ma, mx, mn] = stats(u.memory);
    this.cpuAvg[i] = ca;
    this.cpuMax[i] = cx;
    this.cpuMin[i] = cn;
    this.memAvg[i] = ma;
    this.memMax[i] = mx;
    this.memMin[i] = mn;
  }

  /** Requests in the last `seconds` (used to model synthetic apps' CPU from their load). */
  recentRequests(seconds: number, now = Date.now()): number {
    const end = Math.floor(now / 1000);
    let n = 0;
    for (let s = end - seconds + 1; s <= end; s++) {
      const i = s % this.retention;
      if (this.sec[i] === s) n += this.requests[i];
    }
    return n;
  }

  /** One series, as `DataPlaneApi.metrics` returns it. */
  query(name: MetricName, q: MetricsQuery, now = Date.now()): MetricPoint[] {
    const res = Math.max(1, Math.floor(q.resolutionSeconds));
    const nowSec = Math.floor(now / 1000);
    const oldest = nowSec - this.retention + 1;
    const endSec = Math.min(Math.floor(q.endTime.getTime() / 1000), nowSec);
    const first = Math.floor(Math.floor(q.startTime.getTime() / 1000) / res) * res;
    const codes = q.statusCodes?.length ? new Set(q.statusCodes) : undefined;
    const quantile = q.quantile ?? 0.95;
    const method = q.aggregationMethod ?? "AVG";
    const out: MetricPoint[] = [];
    const merged = name === "http-latency" ? new Uint32Array(LATENCY_BUCKETS) : undefined;
    for (let t = first; t <= endSec; t += res) {
      let sum = 0;
      let n = 0;
      let max = 0;
      merged?.fill(0);
      const lo = Math.max(t, oldest);
      const hi = Math.min(t + res - 1, endSec);
      for (let s = lo; s <= hi; s++) {
        const i = s % this.retention;
        switch (name) {
          case "http-requests":
            if (this.sec[i] !== s) break;
            if (!codes) sum += this.requests[i];
            else for (const [code, c] of this.statuses[i] ?? []) if (codes.has(code)) sum += c;
            break;
          case "bandwidth":
            if (this.sec[i] === s) sum += this.bytes[i];
            break;
          case "http-latency": {
            const h = this.sec[i] === s ? this.hist[i] : undefined;
            if (h) for (let b = 0; b < LATENCY_BUCKETS; b++) merged![b] += h[b];
            break;
          }
          case "cpu":
          case "memory": {
            if (this.usageSec[i] !== s) break;
            const cpu = name === "cpu";
            const v =
              method === "MAX"
                ? (cpu ? this.cpuMax : this.memMax)[i]
                : method === "MIN"
                  ? (cpu ? this.cpuMin : this.memMin)[i]
                  : (cpu ? this.cpuAvg : this.memAvg)[i];
            sum += v;
            n++;
            break;
          }
          case "instance-count":
            if (this.usageSec[i] !== s) break;
            max = Math.max(max, this.instances[i]);
            n++;
            break;
        }
      }
      const tracked = t + res - 1 >= this.since && t + res - 1 >= oldest;
      switch (name) {
        case "http-requests":
          if (tracked) out.push({ timestamp: stamp(t), value: sum });
          break;
        case "bandwidth":
          if (tracked) out.push({ timestamp: stamp(t), value: round(sum / BYTES_PER_MB, 6) });
          break;
        case "http-latency": {
          const v = quantileOf(merged!, quantile);
          if (v !== undefined) out.push({ timestamp: stamp(t), value: round(v, 2) });
          break;
        }
        case "cpu":
          if (n) out.push({ timestamp: stamp(t), value: round(sum / n, 6) });
          break;
        case "memory":
          if (n) out.push({ timestamp: stamp(t), value: Math.round(sum / n) });
          break;
        case "instance-count":
          if (n) out.push({ timestamp: stamp(t), value: max });
          break;
      }
    }
    return out;
  }

  /** Labelled series; `http-requests` with `aggregateBy: "statusCode"` gives one series per status code seen. */
  series(serviceId: string, name: MetricName, q: MetricsQuery, now = Date.now()): MetricSeries[] {
    const base = [{ field: "service", value: serviceId }];
    if (name === "http-requests" && q.aggregateBy === "statusCode") {
      return this.codesIn(q, now).map((code) => ({
        labels: [...base, { field: "statusCode", value: String(code) }],
        values: this.query(name, { ...q, statusCodes: [code] }, now),
      }));
    }
    const labels = name === "http-latency" ? [...base, { field: "quantile", value: String(q.quantile ?? 0.95) }] : base;
    return [{ labels, values: this.query(name, q, now) }];
  }

  private codesIn(q: MetricsQuery, now: number): number[] {
    const nowSec = Math.floor(now / 1000);
    const lo = Math.max(Math.floor(q.startTime.getTime() / 1000), nowSec - this.retention + 1);
    const hi = Math.min(Math.floor(q.endTime.getTime() / 1000), nowSec);
    const codes = new Set<number>();
    for (let s = lo; s <= hi; s++) {
      const i = s % this.retention;
      if (this.sec[i] === s) for (const code of this.statuses[i]?.keys() ?? []) codes.add(code);
    }
    return [...codes].sort((a, b) => a - b);
  }
}

function stats(values: number[]): [number, number, number] {
  if (!values.length) return [0, 0, 0];
  let sum = 0;
  let max = -Infinity;
  let min = Infinity;
  for (const v of values) {
    sum += v;
    if (v > max) max = v;
    if (v < min) min = v;
  }
  return [sum / values.length, max, min];
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
