import type { Slot } from "./config";
import { STATUS_CLASSES, type EdgeMetricsSnapshot, type StatusClass } from "../../infra/health/providers/edge-metrics/wire";

/** Fixed latency bucket upper bounds in milliseconds (Prometheus-style, cumulative on output). */
const BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

interface Series {
  app: string;
  route: string;
  slot: Slot;
  requests: number;
  classes: Record<StatusClass, number>;
  /** Non-cumulative counts per bucket, `+Inf` last. */
  buckets: number[];
  sumMs: number;
}

/** The status class a response falls in; `error` when the edge could not get a response from the upstream. */
function statusClass(status: number | undefined): StatusClass {
  if (status === undefined || status < 100 || status > 599) return "error";
  return `${Math.floor(status / 100)}xx` as StatusClass;
}

/** Per-app, per-route, per-slot request counters and latency histograms of one edge instance. */
export class EdgeMetrics {
  readonly startedAt = new Date().toISOString();
  private readonly series = new Map<string, Series>();
  /** Requests that matched no route (answered 404 by the edge). */
  unrouted = 0;

  constructor(private readonly instance: string) {}

  /** Records one finished request. `status` is undefined when no upstream response was relayed. */
  record(app: string, route: string, slot: Slot, status: number | undefined, ms: number): void {
    const key = `${app}\u0000${route}\u0000${slot}`;
    let s = this.series.get(key);
    if (!s) {
      s = {
        app,
        route,
        slot,
        requests: 0,
        classes: Object.fromEntries(STATUS_CLASSES.map((c) => [c, 0])) as Record<StatusClass, number>,
        buckets: new Array(BUCKETS_MS.length + 1).fill(0),
        sumMs: 0,
      };
      this.series.set(key, s);
    }
    s.requests++;
    s.classes[statusClass(status)]++;
    let i = 0;
    while (i < BUCKETS_MS.length && ms > BUCKETS_MS[i]) i++;
    s.buckets[i]++;
    s.sumMs += ms;
  }

  /** The JSON snapshot (`?format=json`), the contract read by `infra/health`'s edge-metrics provider. */
  snapshot(): EdgeMetricsSnapshot {
    return {
      instance: this.instance,
      startedAt: this.startedAt,
      takenAt: new Date().toISOString(),
      bucketsMs: [...BUCKETS_MS],
      series: [...this.series.values()].map((s) => ({
        app: s.app,
        route: s.route,
        slot: s.slot,
        requests: s.requests,
        classes: { ...s.classes },
        latency: { cumulative: cumulate(s.buckets), sumMs: round(s.sumMs) },
      })),
    };
  }

  /** Prometheus text exposition format 0.0.4; `extra` adds gauges/counters computed elsewhere (state, events). */
  prometheus(extra: string[] = []): string {
    const out: string[] = [];
    out.push("# HELP edge_requests_total Requests proxied by the edge, by app, route, slot and status class.", "# TYPE edge_requests_total counter");
    for (const s of this.series.values()) {
      for (const c of STATUS_CLASSES) if (s.classes[c] > 0) out.push(`edge_requests_total{${labels(s)},class="${c}"} ${s.classes[c]}`);
    }
    out.push("# HELP edge_request_duration_seconds Time from request start to the end of the response.", "# TYPE edge_request_duration_seconds histogram");
    for (const s of this.series.values()) {
      const cum = cumulate(s.buckets);
      BUCKETS_MS.forEach((b, i) => out.push(`edge_request_duration_seconds_bucket{${labels(s)},le="${b / 1000}"} ${cum[i]}`));
      out.push(`edge_request_duration_seconds_bucket{${labels(s)},le="+Inf"} ${cum[cum.length - 1]}`);
      out.push(`edge_request_duration_seconds_sum{${labels(s)}} ${round(s.sumMs) / 1000}`);
      out.push(`edge_request_duration_seconds_count{${labels(s)}} ${s.requests}`);
    }
    out.push(
      "# HELP edge_unrouted_requests_total Requests that matched no route.",
      "# TYPE edge_unrouted_requests_total counter",
      `edge_unrouted_requests_total ${this.unrouted}`,
    );
    return [...out, ...extra].join("\n") + "\n";
  }
}

function cumulate(b: number[]): number[] {
  let acc = 0;
  return b.map((x) => (acc += x));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Escapes a Prometheus label value. */
export function esc(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(s: Series): string {
  return `app="${esc(s.app)}",route="${esc(s.route)}",slot="${s.slot}"`;
}
