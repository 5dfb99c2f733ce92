import { EdgeAdminClient } from "../../../infra/edge-contract/client";
import type { AlertRule } from "../../../infra/alerts/rule";
import type { SignalName } from "../../../infra/alerts/signals";
import { probe } from "../../../infra/health/providers/http-probe";
import { fetchEdgeMetrics, windowValue } from "../../../infra/health/providers/edge-metrics";
import type { EdgeMetricsSnapshot } from "../../../infra/health/providers/edge-metrics/wire";
import { seriesKey, type SeriesStore } from "../series";
import { targetsOf, type Redactor, type SignalSource } from "./source";

const LATENCY: Array<[SignalName, "p50" | "p90" | "p95" | "p99"]> = [
  ["api.latency_p50", "p50"],
  ["api.latency_p90", "p90"],
  ["api.latency_p95", "p95"],
  ["api.latency_p99", "p99"],
];

/**
 * API error rate and latency from the edge's metrics (the difference between this snapshot and the previous one of
 * the same edge instance, one sample per collection weighted by its request count), and availability from a probe
 * of each app's active slot health path (the slot URL and path as the edge reports them).
 */
export class EdgeSource implements SignalSource {
  readonly name = "edge";
  readonly signals: readonly SignalName[] = ["api.error_rate", ...LATENCY.map(([s]) => s), "api.availability"];
  /** Last snapshot per edge instance: with several instances behind one URL, each is diffed against its own past. */
  private readonly previous = new Map<string, EdgeMetricsSnapshot>();
  private readonly admin: EdgeAdminClient;

  constructor(private readonly o: { edgeUrl: string; token: string; timeoutMs: number; redact: Redactor }) {
    this.admin = new EdgeAdminClient({ url: o.edgeUrl, token: o.token, timeoutMs: o.timeoutMs, retries: 0 });
  }

  async collect(rules: readonly AlertRule[], store: SeriesStore, now: number): Promise<void> {
    const traffic = rules.filter((r) => r.signal !== "api.availability");
    const availability = rules.filter((r) => r.signal === "api.availability");
    await Promise.all([
      traffic.length ? this.traffic(traffic, store, now) : undefined,
      availability.length ? this.availability(availability, store, now) : undefined,
    ]);
  }

  private async traffic(rules: readonly AlertRule[], store: SeriesStore, now: number): Promise<void> {
    let snap: EdgeMetricsSnapshot;
    try {
      snap = await fetchEdgeMetrics(this.o.edgeUrl, this.o.token, AbortSignal.timeout(this.o.timeoutMs), this.o.timeoutMs);
    } catch (e) {
      const msg = this.o.redact(`edge metrics: ${(e as Error).message}`);
      for (const r of rules) store.fail(seriesKey(r.signal, r.target), msg);
      return;
    }
    const before = this.previous.get(snap.instance);
    const firstSight = !before && this.previous.size === 0;
    this.previous.delete(snap.instance);
    this.previous.set(snap.instance, snap);
    // Restarted edge instances never answer again: keep the most recent few.
    while (this.previous.size > 16) this.previous.delete(this.previous.keys().next().value!);
    // The guardian's first look has no baseline: the counters hold the edge's whole life, not a window.
    if (firstSight) return;
    for (const app of targetsOf(rules)) {
      const v = windowValue(before, snap, { app: app! });
      if (!v.samples) continue; // no traffic: no sample (each rule's noData decides)
      const n = v.samples;
      store.add(seriesKey("api.error_rate", app), { t: now, v: v.errorRate ?? 0, n });
      for (const [signal, q] of LATENCY) {
        const ms = v.latencyMs?.[q];
        if (ms !== undefined && Number.isFinite(ms)) store.add(seriesKey(signal, app), { t: now, v: ms, n });
      }
    }
  }

  private async availability(rules: readonly AlertRule[], store: SeriesStore, now: number): Promise<void> {
    let state;
    try {
      state = await this.admin.getState();
    } catch (e) {
      const msg = this.o.redact(`edge state: ${(e as Error).message}`);
      for (const r of rules) store.fail(seriesKey(r.signal, r.target), msg);
      return;
    }
    await Promise.all(
      targetsOf(rules).map(async (app) => {
        const a = state.apps[app!];
        if (!a) return store.fail(seriesKey("api.availability", app), `edge has no app '${app}'`);
        const slot = a.slots[a.active];
        // The slot's base URL (private network on Render, loopback under the simulator) plus its health path.
        const m = await probe({ url: new URL(a.healthPath, slot.url).toString(), timeoutMs: this.o.timeoutMs });
        const ok = m.status !== undefined && m.status >= 200 && m.status < 300;
        store.add(seriesKey("api.availability", app), { t: now, v: ok ? 1 : 0, n: 1 });
      }),
    );
  }
}
