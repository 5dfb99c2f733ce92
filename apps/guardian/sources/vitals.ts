import type { AlertRule } from "../../../infra/alerts/rule";
import type { SignalName } from "../../../infra/alerts/signals";
import { VITALS_ADMIN_PATH, VitalsSummarySchema } from "../../edge/vitals";
import { seriesKey, type SeriesStore } from "../series";
import type { Redactor, SignalSource } from "./source";

const BY_SIGNAL: Record<string, "LCP" | "INP" | "CLS" | "TTFB"> = { "frontend.lcp": "LCP", "frontend.inp": "INP", "frontend.cls": "CLS", "frontend.ttfb": "TTFB" };

/**
 * Frontend performance from the web-vitals beacons the edge collects (`GET /__edge/vitals`): per app and metric,
 * one sample per collection holding the p75 over `windowMs` (how Core Web Vitals are judged), weighted by the
 * beacons that arrived since the previous collection (so a rule's `minSamples` counts beacons).
 */
export class VitalsSource implements SignalSource {
  readonly name = "web-vitals";
  readonly signals = Object.keys(BY_SIGNAL) as SignalName[];
  private since = 0;

  constructor(private readonly o: { edgeUrl: string; token: string; windowMs: number; timeoutMs: number; redact: Redactor }) {}

  async collect(rules: readonly AlertRule[], store: SeriesStore, now: number): Promise<void> {
    if (!rules.length) return;
    let summary;
    try {
      const url = new URL(VITALS_ADMIN_PATH, this.o.edgeUrl);
      url.searchParams.set("windowMs", String(this.o.windowMs));
      // The first look counts the beacons of one window, not the edge's whole retention.
      url.searchParams.set("since", String(this.since || Date.now() - this.o.windowMs));
      const res = await fetch(url, { headers: { authorization: `Bearer ${this.o.token}` }, signal: AbortSignal.timeout(this.o.timeoutMs) });
      if (res.status !== 200) {
        await res.arrayBuffer().catch(() => undefined);
        throw new Error(`edge vitals answered HTTP ${res.status}`);
      }
      summary = VitalsSummarySchema.parse(await res.json());
    } catch (e) {
      const msg = this.o.redact(`web vitals: ${(e as Error).name === "TimeoutError" ? `timed out after ${this.o.timeoutMs} ms` : (e as Error).message}`);
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
