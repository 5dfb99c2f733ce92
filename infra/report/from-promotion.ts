import type { PromotionRecord } from "../components/promotion";
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

/**
 * Maps the TrafficSwitch's record of a finished promotion (infra/components/promotion.ts `PromotionRecord`) to a
 * report entry. The switch happened `bakeMs` before the record's `at`, which places the switch line on the plot.
 */
export function promotionEntryFromRecord(app: string, r: PromotionRecord, extras: PromotionExtras = {}): PromotionEntryInput {
  const analysis: PromotionEntryInput["analysis"] = [];
  if (r.preSwitch !== undefined) analysis.push({ phase: r.result === "already-active" ? "baseline" : "pre-switch", verdict: "Successful", reason: r.preSwitch, durationMs: r.timings.preSwitchMs });
  if (r.postSwitch !== undefined) analysis.push({ phase: "post-switch", verdict: r.result === "promoted-inconclusive" ? "Inconclusive" : "Successful", reason: r.postSwitch, durationMs: r.timings.bakeMs });
  const moved = r.from !== r.to;
  return {
    app, version: r.version, previousVersion: extras.previousVersion, from: r.from, to: r.to, result: r.result, analysis,
    series: extras.series ?? [], thresholds: extras.thresholds, timings: { ...r.timings },
    ...(moved ? { switchedAt: new Date(Date.parse(r.at) - r.timings.bakeMs).toISOString() } : {}),
  };
}

/**
 * A promotion that stopped (a `PromotionError`): its message says which phase failed and where traffic is; `switchedBack`
 * tells whether traffic had moved and came back.
 */
export function promotionEntryFromError(
  app: string,
  p: { version: string; from: "blue" | "green"; to: "blue" | "green"; error: Error; switchedAt?: string; switchedBackAt?: string },
  extras: PromotionExtras = {},
): PromotionEntryInput {
  const phase = /^pre-switch/.test(p.error.message) ? "pre-switch" : /^baseline/.test(p.error.message) ? "baseline" : "post-switch";
  return {
    app, version: p.version, previousVersion: extras.previousVersion, from: p.from, to: p.to, result: p.switchedBackAt ? "rolled-back" : "failed",
    error: p.error.message, analysis: [{ phase, verdict: "Failed", reason: p.error.message }],
    series: extras.series ?? [], thresholds: extras.thresholds, switchedAt: p.switchedAt, switchedBackAt: p.switchedBackAt,
  };
}
