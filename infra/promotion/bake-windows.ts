/**
 * The bake's windows, defined once: how many measurement windows a post-switch bake holds (what its metrics count),
 * how many of the old slot's windows a run keeps from before the switch, and the bake's measured windows as the
 * record keeps them. (Two functions named `bakeWindows` used to mean the first and the last of these.)
 */
import type { PromotionAnalysis } from "../config/schema";
import type { Measurement } from "../health/measurement";
import type { Slot } from "./edge";
import { MAX_BEFORE_WINDOWS, windowOf, type TrafficWindow } from "./traffic-series";

/**
 * How many windows of `intervalMs` a bake of `postSwitch.bakeMs` holds: `ceil(bakeMs / intervalMs)`, at least one.
 * With the default interval, the count of the post-switch traffic metric; the bake's probes and guards pass theirs.
 */
export function bakeWindowCount(a: PromotionAnalysis, intervalMs = a.postSwitch.intervalMs): number {
  return Math.max(1, Math.ceil(a.postSwitch.bakeMs / intervalMs));
}

/**
 * How many of the old slot's windows a run keeps from before the switch (the report's "before"): as many as the bake
 * has, at least 3, at most {@link MAX_BEFORE_WINDOWS}.
 */
export function beforeSwitchWindowCount(a: PromotionAnalysis): number {
  return Math.min(MAX_BEFORE_WINDOWS, Math.max(3, bakeWindowCount(a)));
}

/** The bake's traffic windows: one per traffic measurement that measured something, stamped at its end. */
export function bakeTrafficWindows(series: readonly Measurement[], slot: Slot): TrafficWindow[] {
  return series.flatMap((m) => windowOf(m.finishedAt, slot, m.value) ?? []);
}
