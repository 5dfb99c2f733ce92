import type { MeasurementValue } from "../../measurement";
import type { MetricProvider } from "../../provider";
import { histogramQuantile } from "../../histogram";
import { abortableSleep } from "../../sleep";
import { EDGE_ADMIN_PATHS } from "../../../edge-contract/admin-api";
import { EdgeAdminClient, EdgeAdminError } from "../../../edge-contract/client";
import { EdgeMetricsSnapshotSchema, type EdgeMetricsSnapshot, type EdgeSeries } from "./wire";

/** Options of the edge-metrics provider. */
export interface EdgeMetricsOptions {
  /** Base URL of the edge, e.g. `https://edge.example.com`. */
  edgeUrl: string;
  /** The edge admin token (secret: never logged). */
  token: string;
  /** App whose requests are measured. */
  app: string;
  /** Only requests served by this slot (e.g. the slot just promoted). */
  slot?: "blue" | "green";
  /** Only this route. */
  route?: string;
  /** Length of the first window in milliseconds; later windows run from the previous measurement. */
  windowMs: number;
  /** Timeout of each metrics request. */
  timeoutMs?: number;
}

/**
 * Fetches one metrics snapshot from the edge (`GET /__edge/metrics?format=json` through the edge's one admin client:
 * one attempt, `timeoutMs`, aborted with `signal`). Throws an `EdgeAdminError` (a provider error) on any non-200 or
 * malformed body; a 401 says to check the edge admin token.
 */
export async function fetchEdgeMetrics(edgeUrl: string, token: string, signal: AbortSignal, timeoutMs = 3_000): Promise<EdgeMetricsSnapshot> {
  const client = new EdgeAdminClient({ url: edgeUrl, token, timeoutMs, retries: 0 });
  try {
    return (await client.call("GET", `${EDGE_ADMIN_PATHS.metrics}?format=json`, EdgeMetricsSnapshotSchema, undefined, { signal }))!;
  } catch (e) {
    if (e instanceof EdgeAdminError && e.status === 401) throw new EdgeAdminError(401, e.code, `${e.message} (check the edge admin token)`);
    throw e;
  }
}

/**
 * Error rate and latency percentiles of an app's requests over a window, from the difference of two snapshots of
 * the edge's cumulative counters (like Prometheus' `rate` and `histogram_quantile`). A counter reset (edge restart)
 * restarts the window from zero.
 */
export function windowValue(
  before: EdgeMetricsSnapshot | undefined,
  after: EdgeMetricsSnapshot,
  filter: { app: string; slot?: string; route?: string },
): MeasurementValue {
  const pick = (s: EdgeMetricsSnapshot | undefined) =>
    (s?.series ?? []).filter((x) => x.app === filter.app && (!filter.slot || x.slot === filter.slot) && (!filter.route || x.route === filter.route));
  const reset = !before || before.instance !== after.instance;
  const prior = new Map<string, EdgeSeries>(reset ? [] : pick(before).map((x) => [`${x.route}|${x.slot}`, x]));
  const n = after.bucketsMs.length + 1;
  const cumulative = new Array<number>(n).fill(0);
  let requests = 0,
    failed = 0;
  for (const s of pick(after)) {
    const p = prior.get(`${s.route}|${s.slot}`);
    const base = p && p.requests <= s.requests ? p : undefined;
    requests += s.requests - (base?.requests ?? 0);
    failed += s.classes["5xx"] + s.classes.error - (base ? base.classes["5xx"] + base.classes.error : 0);
    for (let i = 0; i < n; i++) cumulative[i] += (s.latency.cumulative[i] ?? 0) - (base?.latency.cumulative[i] ?? 0);
  }
  if (requests <= 0) return { samples: 0 };
  const q = (x: number) => histogramQuantile(x, after.bucketsMs, cumulative);
  return {
    samples: requests,
    errorRate: failed / requests,
    latencyMs: { p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99) },
  };
}

/** The `edge-metrics` metric provider: error rate and latency percentiles of an app over the last window. */
export class EdgeMetricsProvider implements MetricProvider {
  readonly kind = "edge-metrics";
  private last?: EdgeMetricsSnapshot;
  private lastAt = 0;
  constructor(private readonly opts: EdgeMetricsOptions) {}

  /**
   * Every window lasts at least `windowMs`: the first measurement waits a whole window after its baseline snapshot,
   * and a later one called early (the runner counts its interval from the start of the previous measurement, which
   * already included that wait) waits out the rest, so no window is a sliver with a handful of requests.
   */
  async measure(signal: AbortSignal): Promise<MeasurementValue> {
    const get = () => fetchEdgeMetrics(this.opts.edgeUrl, this.opts.token, signal, this.opts.timeoutMs);
    if (!this.last) {
      this.last = await get();
      this.lastAt = Date.now();
    }
    const wait = this.opts.windowMs - (Date.now() - this.lastAt);
    if (wait > 0) await abortableSleep(wait, signal);
    const now = await get();
    const value = windowValue(this.last, now, this.opts);
    this.last = now;
    this.lastAt = Date.now();
    return value;
  }
}
