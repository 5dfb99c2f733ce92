import type { Measurement } from "../health/measurement";
import { fetchEdgeMetrics, windowValue } from "../health/providers/edge-metrics";
import type { EdgeMetricsSnapshot } from "../health/providers/edge-metrics/wire";
import { abortableSleep } from "../health/sleep";
import type { Slot } from "./edge";

/** One window of an app's requests through the edge, as a promotion record keeps it (numbers only, no secrets). */
export interface TrafficWindow {
  /** End of the window (ISO time). */
  at: string;
  /** The slot that served the window's requests. */
  slot: Slot;
  /** Requests in the window. */
  samples: number;
  /** Fraction of failed requests (5xx or no answer); absent when the window had no request. */
  errorRate?: number;
  p50Ms?: number;
  p99Ms?: number;
}

/**
 * The traffic through the switch, measured by the edge: windows of the old slot before the switch (while the new
 * version deployed and was probed) and the bake's windows of the new slot, at most {@link MAX_WINDOWS} in all, with
 * the limits the bake judged them against.
 */
export interface PromotionTraffic {
  windowMs: number;
  limits: { maxErrorRate: number; maxP99LatencyMs: number };
  windows: TrafficWindow[];
}

/** Bound on the windows a promotion record keeps (its size in the state stays a few KB). */
export const MAX_WINDOWS = 120;
/** Bound on the windows kept from before the switch (the most recent ones). */
export const MAX_BEFORE_WINDOWS = 20;

const round = (v: number | undefined, step: number) => (v === undefined ? undefined : Math.round(v / step) * step);

/** A measurement's value as a window (undefined for a measurement that failed to measure: nothing was seen). */
export function windowOf(at: string, slot: Slot, v: Measurement["value"]): TrafficWindow | undefined {
  if (!v) return undefined;
  const w: TrafficWindow = { at, slot, samples: v.samples };
  if (v.samples > 0) {
    w.errorRate = round(v.errorRate, 1e-5);
    w.p50Ms = round(v.latencyMs?.p50, 0.1);
    w.p99Ms = round(v.latencyMs?.p99, 0.1);
  }
  for (const k of ["errorRate", "p50Ms", "p99Ms"] as const) if (w[k] === undefined || !Number.isFinite(w[k])) delete w[k];
  if (w.errorRate !== undefined) w.errorRate = Math.min(1, Math.max(0, +w.errorRate.toFixed(5)));
  if (w.p50Ms !== undefined) w.p50Ms = +w.p50Ms.toFixed(1);
  if (w.p99Ms !== undefined) w.p99Ms = +w.p99Ms.toFixed(1);
  return w;
}

/** Merges consecutive windows of the same slot into one: requests add up, error rate by requests, latency the worst. */
function merge(ws: TrafficWindow[]): TrafficWindow {
  const last = ws[ws.length - 1];
  const samples = ws.reduce((n, w) => n + w.samples, 0);
  const out: TrafficWindow = { at: last.at, slot: last.slot, samples };
  const rated = ws.filter((w) => w.errorRate !== undefined && w.samples > 0);
  if (rated.length) out.errorRate = +(rated.reduce((s, w) => s + w.errorRate! * w.samples, 0) / rated.reduce((n, w) => n + w.samples, 0)).toFixed(5);
  for (const k of ["p50Ms", "p99Ms"] as const) {
    const vs = ws.flatMap((w) => (w[k] === undefined ? [] : [w[k]!]));
    if (vs.length) out[k] = Math.max(...vs);
  }
  return out;
}

/**
 * At most `max` windows: the last {@link MAX_BEFORE_WINDOWS} before the switch, and the bake's, merged in runs of
 * consecutive windows when there are more than fit (never across slots).
 */
export function boundWindows(before: readonly TrafficWindow[], bake: readonly TrafficWindow[], max = MAX_WINDOWS): TrafficWindow[] {
  const kept = before.slice(-Math.min(MAX_BEFORE_WINDOWS, Math.floor(max / 2)));
  const room = max - kept.length;
  if (bake.length <= room) return [...kept, ...bake];
  const k = Math.ceil(bake.length / room);
  const merged: TrafficWindow[] = [];
  for (let i = 0; i < bake.length; i += k) merged.push(merge(bake.slice(i, i + k)));
  return [...kept, ...merged];
}

/** Options of {@link recordTraffic}. */
export interface RecorderOptions {
  edgeUrl: string;
  /** The edge admin token (secret: never logged or recorded). */
  token: string;
  app: string;
  slot: Slot;
  windowMs: number;
  /** Windows kept (the most recent). */
  keep?: number;
}

/**
 * Records an app's traffic on one slot in windows of `windowMs` from the edge's metrics, in the background, until
 * `stop()` (which closes the last, partial window). Best effort: it never throws; an edge that does not answer
 * simply leaves fewer windows. Used for the old slot while the new version deploys and is probed, so the report can
 * show the traffic before and after the switch.
 */
export function recordTraffic(o: RecorderOptions): { stop(): Promise<TrafficWindow[]> } {
  const keep = o.keep ?? MAX_BEFORE_WINDOWS;
  const windows: TrafficWindow[] = [];
  const ctl = new AbortController();
  let last: EdgeMetricsSnapshot | undefined;
  let lastAt = 0;
  const snapshot = async (): Promise<void> => {
    try {
      const now = await fetchEdgeMetrics(o.edgeUrl, o.token, AbortSignal.timeout(2_000), 2_000);
      lastAt = Date.now();
      if (last) {
        const w = windowOf(new Date().toISOString(), o.slot, windowValue(last, now, { app: o.app, slot: o.slot }));
        if (w) windows.push(w);
        if (windows.length > keep) windows.splice(0, windows.length - keep);
      }
      last = now;
    } catch {
      /* the edge did not answer: no window this time (the next one spans the gap) */
    }
  };
  const loop = (async () => {
    await snapshot();
    while (!ctl.signal.aborted) {
      try {
        await abortableSleep(o.windowMs, ctl.signal);
      } catch {
        break;
      }
      await snapshot();
    }
  })();
  return {
    async stop() {
      ctl.abort();
      await loop;
      // The partial window up to now, unless the last one just closed (a sliver of a window says nothing).
      if (!last || Date.now() - lastAt >= o.windowMs / 10) await snapshot();
      return windows.slice();
    },
  };
}
