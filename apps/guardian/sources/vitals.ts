import type { AlertRule } from "../../../infra/alerts/rule";
import type { SignalName } from "../../../infra/alerts/signals";
import { EdgeAdminClient, type VitalsSummary } from "../../../infra/edge-contract";
import { seriesKey, type SeriesStore } from "../series";
import type { Redactor, SignalSource } from "./source";

const BY_SIGNAL: Record<string, "LCP" | "INP" | "CLS" | "TTFB"> = {
  "frontend.lcp": "LCP",
  "frontend.inp": "INP",
  "frontend.cls": "CLS",
  "frontend.ttfb": "TTFB",
};

/**
 * Frontend performance from the web-vitals beacons the edge collects (`GET /__edge/vitals`): per app and metric,
 * one sample per collection holding the p75 over `windowMs` (how Core Web Vitals are judged), weighted by the
 * beacons that arrived since the previous collection (so a rule's `minSamples` counts beacons).
 */
export class VitalsSource implements SignalSource {
  readonly name = "web-vitals";
  readonly signals = Object.keys(BY_SIGNAL) as SignalName[];
  private since = 0;

  private readonly admin: EdgeAdminClient;

  constructor(private readonly o: { edgeUrl: string; token: string; windowMs: number; timeoutMs: number; redact: Redactor }) {
    this.admin = new EdgeAdminClient({ url: o.edgeUrl, token: o.token, timeoutMs: o.timeoutMs, retries: 0 });
  }

  async collect(rules: readonly AlertRule[], store: SeriesStore, now: number): Promise<void> {
    if (!rules.length) return;
    let summary: VitalsSummary;
    try {
      // The first look counts the beacons of one window, not the edge's whole retention.
      summary = await this.admin.vitals({ windowMs: this.o.windowMs, since: this.since || Date.now() - this.o.windowMs });
    } catch (e) {
      const msg = this.o.redact(`web vitals: ${(e as Error).message}`);
      for (const r of rules) store.fail(seriesKey(r.signal, r.target), msg);
      return;
    }
    this.since = summary.takenAt;
    const done = new Set<string>();
    for (const r of rules) {
      if (done.has(seriesKey(r.signal, r.target))) continue;
      done.add(seriesKey(r.signal, r.target));
      const m = summary.apps[r.target ?? ""]?.[BY_SIGNAL[r.signal]!];
      if (m?.p75 === undefined) continue; // no beacons in the window: no data
      store.add(seriesKey(r.signal, r.target), { t: now, v: m.p75, n: m.newCount });
    }
  }
}
