import type { PromotionAttempt, PromotionRecord, PromotionTraffic } from "../promotion/record";
import type { PromotionEntrySchema, TrafficPoint } from "./data";
import type { z } from "zod";

/** A report's promotion entry, before defaults. */
export type PromotionEntryInput = z.input<typeof PromotionEntrySchema>;

/** What the report adds to a promotion record: the traffic windows and limits it plots, the version it replaced. */
export interface PromotionExtras {
  previousVersion?: string;
  series?: TrafficPoint[];
  thresholds?: { maxErrorRate: number; maxP99LatencyMs: number };
}

/** The plot's points from the traffic a promotion recorded through the edge (one per measured window). */
function seriesFromTraffic(traffic: PromotionTraffic | undefined): TrafficPoint[] {
  return (traffic?.windows ?? []).map((w) => ({
    at: w.at,
    slot: w.slot,
    requests: w.samples,
    ...(w.errorRate === undefined ? {} : { errorRate: w.errorRate }),
    ...(w.p50Ms === undefined ? {} : { p50Ms: w.p50Ms }),
    ...(w.p99Ms === undefined ? {} : { p99Ms: w.p99Ms }),
  }));
}

/**
 * Maps the TrafficSwitch's record of a finished promotion (infra/promotion/run.ts `PromotionRecord`) to a
 * report entry. The switch happened `bakeMs` before the record's `at`, which places the switch line on the plot. The
 * plotted windows and limits are the record's own `traffic` unless `extras` gives them.
 */
export function promotionEntryFromRecord(app: string, r: PromotionRecord, extras: PromotionExtras = {}): PromotionEntryInput {
  const analysis: PromotionEntryInput["analysis"] = [];
  if (r.preSwitch !== undefined)
    analysis.push({
      phase: r.result === "already-active" ? "baseline" : "pre-switch",
      verdict: "Successful",
      reason: r.preSwitch,
      durationMs: r.timings.preSwitchMs,
    });
  if (r.postSwitch !== undefined)
    analysis.push({
      phase: "post-switch",
      verdict: r.result === "promoted-inconclusive" ? "Inconclusive" : "Successful",
      reason: r.postSwitch,
      durationMs: r.timings.bakeMs,
    });
  const moved = r.from !== r.to;
  return {
    app,
    version: r.version,
    previousVersion: extras.previousVersion,
    from: r.from,
    to: r.to,
    result: r.result,
    analysis,
    series: extras.series ?? seriesFromTraffic(r.traffic),
    thresholds: extras.thresholds ?? r.traffic?.limits,
    timings: { ...r.timings },
    ...(moved ? { switchedAt: new Date(Date.parse(r.at) - r.timings.bakeMs).toISOString() } : {}),
  };
}

/**
 * A promotion that stopped (a `PromotionError`): its message says which phase failed and where traffic is; `switchedBack`
 * tells whether traffic had moved and came back. `phase` names the step when known (else read from the message).
 */
export function promotionEntryFromError(
  app: string,
  p: {
    version: string;
    from: "blue" | "green";
    to: "blue" | "green";
    error: Error;
    switchedAt?: string;
    switchedBackAt?: string;
    phase?: "deploy" | "pre-switch" | "post-switch" | "baseline";
  },
  extras: PromotionExtras = {},
): PromotionEntryInput {
  const phase =
    p.phase ??
    (/^pre-switch/.test(p.error.message)
      ? "pre-switch"
      : /^baseline/.test(p.error.message)
        ? "baseline"
        : /^deploy/.test(p.error.message)
          ? "deploy"
          : "post-switch");
  return {
    app,
    version: p.version,
    previousVersion: extras.previousVersion,
    from: p.from,
    to: p.to,
    result: p.switchedBackAt ? "rolled-back" : "failed",
    error: p.error.message,
    analysis: [{ phase, verdict: phase === "deploy" ? "Error" : "Failed", reason: p.error.message }],
    series: extras.series ?? [],
    thresholds: extras.thresholds,
    switchedAt: p.switchedAt,
    switchedBackAt: p.switchedBackAt,
  };
}

/**
 * A promotion that stopped, from what the TrafficSwitch journaled (`PromotionError.attempt` and its message): the
 * step, the switch and switch back, the timings, and the traffic it measured through the edge.
 */
export function promotionEntryFromAttempt(
  app: string,
  message: string,
  a: PromotionAttempt,
  extras: Pick<PromotionExtras, "previousVersion"> = {},
): PromotionEntryInput {
  return {
    ...promotionEntryFromError(
      app,
      { version: a.version, from: a.from, to: a.to, error: new Error(message), switchedAt: a.switchedAt, switchedBackAt: a.switchedBackAt, phase: a.phase },
      {
        previousVersion: extras.previousVersion,
        series: seriesFromTraffic(a.traffic),
        thresholds: a.traffic?.limits,
      },
    ),
    result: a.result,
    timings: { ...a.timings },
  };
}
