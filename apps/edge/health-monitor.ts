import { analyze, type AnalysisResult } from "../../infra/health/analyze";
import type { Measurement } from "../../infra/health/measurement";
import { parseMetric, type Metric } from "../../infra/health/metric";
import { probe } from "../../infra/health/providers/http-probe";
import { SLOTS, type AppUpstreams, type Slot } from "./config";
import { other, type EdgeState } from "./state";

/** Options of the health monitor. */
export interface HealthMonitorOptions {
  apps: Record<string, AppUpstreams>;
  intervalMs: number;
  timeoutMs: number;
  /** Probes per sliding analysis window. */
  window: number;
  /** Failed probes tolerated in a window. */
  failureLimit: number;
  autoRollback: boolean;
  state: () => EdgeState;
  /**
   * Switches `app` from the failing `from` slot to `to`; must be conditional on `from` still being active. `source`
   * says what saw the failure: the probes' window, or the proxied requests (passive detection).
   */
  rollback: (app: string, from: Slot, to: Slot, reason: string, source: RollbackSource) => Promise<void>;
  log: (msg: string) => void;
}

/** What detected a failing active slot. */
export type RollbackSource = "probes" | "requests";

/**
 * Probes both slots of every app at an interval and judges each slot on a sliding window of its last probes with
 * `infra/health`'s analysis. When the active slot's window fails while the warm slot's window succeeds (and the warm
 * slot has no failed verdict), it rolls back: steady-state automated rollback. The passive detector (failing
 * proxied requests, `outlier-detector.ts`) reports through {@link HealthMonitor.reportFailing}, so both sources
 * share one rule for where traffic may go and one in-progress guard per app.
 */
export class HealthMonitor {
  readonly metric: Metric;
  private readonly series = new Map<string, Measurement[]>();
  private readonly busy = new Set<string>();
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly warned = new Set<string>();

  constructor(private readonly o: HealthMonitorOptions) {
    this.metric = parseMetric(
      {
        name: "edge-health-probe",
        intervalMs: o.intervalMs,
        count: o.window,
        timeoutMs: o.timeoutMs,
        successCondition: { status: ["2xx"] },
        failureLimit: o.failureLimit,
        // A probe always yields a value (no answer is status 0), so errors and inconclusive results do not occur;
        // the limits only keep a partial window Running.
        consecutiveErrorLimit: o.window,
        inconclusiveLimit: o.window,
      },
      "edge probe settings",
    );
  }

  private key(app: string, slot: Slot) {
    return `${app}\u0000${slot}`;
  }

  private url(app: string, slot: Slot): string {
    const a = this.o.apps[app];
    return new URL(a.healthPath, a[slot].replace(/\/?$/, "/")).toString();
  }

  /** The sliding-window analysis of one slot (Running until the window is full). */
  analysis(app: string, slot: Slot): AnalysisResult {
    return analyze(this.metric, this.series.get(this.key(app, slot)) ?? []);
  }

  /** The last probe of one slot. */
  last(app: string, slot: Slot): Measurement | undefined {
    const s = this.series.get(this.key(app, slot));
    return s?.[s.length - 1];
  }

  /** Probes a slot once now (a switch's pre-check); the result also enters the slot's window. */
  async probeNow(app: string, slot: Slot): Promise<Measurement> {
    const startedAt = new Date().toISOString();
    const value = await probe({ url: this.url(app, slot), timeoutMs: this.o.timeoutMs });
    const m: Measurement = { startedAt, finishedAt: new Date().toISOString(), value };
    this.push(app, slot, m);
    return m;
  }

  private push(app: string, slot: Slot, m: Measurement) {
    const k = this.key(app, slot);
    const s = this.series.get(k) ?? [];
    s.push(m);
    if (s.length > this.o.window) s.splice(0, s.length - this.o.window);
    this.series.set(k, s);
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      const started = Date.now();
      await this.tick().catch((e) => this.o.log(`health monitor: ${(e as Error).message}`));
      if (!this.stopped) this.timer = setTimeout(loop, Math.max(0, this.o.intervalMs - (Date.now() - started)));
    };
    this.timer = setTimeout(loop, 0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** One round: probe every slot, then decide rollbacks. */
  async tick(): Promise<void> {
    const apps = Object.keys(this.o.apps);
    await Promise.all(apps.flatMap((app) => SLOTS.map((slot) => this.probeNow(app, slot))));
    if (!this.o.autoRollback) return;
    const state = this.o.state();
    for (const app of apps) {
      const active = state.active[app];
      const a = this.analysis(app, active);
      if (a.phase !== "Failed") {
        this.warned.delete(app);
        continue;
      }
      this.rollBackIfWarmHealthy(app, active, a.reason, "probes");
    }
  }

  /**
   * The passive source: `slot` of `app` failed `reason` (consecutive failed proxied requests). Rolls back now when
   * `slot` is still the active one and the warm slot is known healthy, exactly as a failed probe window would;
   * otherwise does nothing (a slot that is no longer active, or nowhere healthy to go). Never throws.
   */
  reportFailing(app: string, slot: Slot, reason: string): void {
    if (!this.o.autoRollback || this.stopped) return;
    if (this.o.state().active[app] !== slot) return;
    this.rollBackIfWarmHealthy(app, slot, reason, "requests");
  }

  /**
   * Rolls `app` back from `active` to the warm slot, only when the warm slot's probe window is `Successful` and its
   * last reported analysis did not fail: a slot that failed is never switched back to until a fresh analysis
   * clears it (no flapping). One rollback per app at a time, whatever its source.
   */
  private rollBackIfWarmHealthy(app: string, active: Slot, reason: string, source: RollbackSource): void {
    const warm = other(active);
    const w = this.analysis(app, warm);
    const verdict = this.o.state().verdicts[app]?.[warm];
    if (w.phase !== "Successful" || verdict?.phase === "Failed") {
      if (!this.warned.has(app))
        this.o.log(
          `${app}: active slot ${active} is failing (${source === "requests" ? "proxied requests: " : ""}${reason}) but warm slot ${warm} is not healthy (${verdict?.phase === "Failed" ? `failed its last analysis: ${verdict.reason}` : w.reason}): no automatic rollback`,
        );
      this.warned.add(app);
      return;
    }
    if (this.busy.has(app)) return;
    this.busy.add(app);
    this.o
      .rollback(app, active, warm, reason, source)
      .catch((e) => this.o.log(`${app}: automatic rollback to ${warm} failed: ${(e as Error).message}`))
      .finally(() => this.busy.delete(app));
  }
}
