import type { PromotionAnalysis } from "../config/schema";
import type { Slot } from "./edge";
import type { LiveState } from "./live";
import { boundWindows, type PromotionTraffic, type TrafficWindow } from "./traffic-series";

export type { PromotionTraffic, TrafficWindow };

/** Milliseconds per step of a promotion, and in total (a type, not an interface: the journal reads it as a record). */
export type PromotionTimings = { deployMs: number; preSwitchMs: number; switchMs: number; bakeMs: number; totalMs: number };

/** The record of the last promotion step taken, kept in the switch's outputs (no secrets). */
export interface PromotionRecord {
  /** `promoted`, `already-active` (nothing to move), `promoted-inconclusive` (accepted by `onInconclusive: promote`). */
  result: "promoted" | "already-active" | "promoted-inconclusive";
  version: string;
  from: Slot;
  to: Slot;
  at: string;
  timings: PromotionTimings;
  preSwitch?: string;
  postSwitch?: string;
  /**
   * The traffic through the edge around the switch (the old slot's windows before it, the bake's after it), at most
   * 120 windows; for the deploy report's plot. Absent when no bake ran, and in records written before it existed.
   */
  traffic?: PromotionTraffic;
}

/**
 * What a promotion that stopped had done (no secrets): the step that stopped it, the switch and switch back if they
 * happened, and the traffic through the edge up to then. The TrafficSwitch keeps it in its promotion journal so the
 * deploy report can show a failed promotion too (its outputs keep only the last promotion that succeeded).
 */
export interface PromotionAttempt {
  version: string;
  from: Slot;
  to: Slot;
  /** The step that stopped the promotion. */
  phase: "deploy" | "pre-switch" | "post-switch";
  /** Whether traffic had moved to `to` and was moved back (`rolled-back`), or never moved / stayed (`failed`). */
  result: "failed" | "rolled-back";
  at: string;
  switchedAt?: string;
  switchedBackAt?: string;
  timings: PromotionTimings;
  traffic?: PromotionTraffic;
  /** Where traffic is and what each slot runs after it stopped (the switch's outputs still show the state before). */
  live?: LiveState;
}

/** A promotion that stopped. The message says what failed and where traffic is; `attempt` what it had done. */
export class PromotionError extends Error {
  attempt?: PromotionAttempt;
  constructor(message: string, attempt?: PromotionAttempt) {
    super(message);
    this.name = "PromotionError";
    if (attempt) this.attempt = attempt;
  }
}

/** A step a run times. */
export type TimedStep = Exclude<keyof PromotionTimings, "totalMs">;

/**
 * What a promotion run has done so far, and the one place its outcome is written down: the {@link record} of a run
 * that finished (the switch's outputs) and the {@link attempt} of one that stopped (the journal) share the version,
 * the slots, the times and the traffic, built here and nowhere else.
 */
export class RunRecord {
  private readonly started: number;
  private readonly timings: Record<TimedStep, number> = { deployMs: 0, preSwitchMs: 0, switchMs: 0, bakeMs: 0 };
  private readonly reasons: Pick<PromotionRecord, "preSwitch" | "postSwitch"> = {};
  private trafficBefore: TrafficWindow[] = [];
  /** Set once a bake ran: a record carries traffic only then. */
  private trafficOfBake?: TrafficWindow[];
  private switchedAt?: string;
  private switchedBackAt?: string;

  /**
   * @param version the version the run promotes
   * @param analysis its analysis settings (the traffic's window and limits)
   * @param now the clock (the run's start is the record's construction)
   */
  constructor(
    private readonly version: string,
    private readonly analysis: PromotionAnalysis,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** How long a step took. */
  took(step: TimedStep, ms: number): void {
    this.timings[step] = ms;
  }

  /** The reason of an analysis that passed, for the record. */
  passed(phase: "preSwitch" | "postSwitch", reason: string): void {
    this.reasons[phase] = reason;
  }

  /** The old slot's traffic windows while the new version deployed and was probed (the report's "before"). */
  beforeSwitch(windows: TrafficWindow[]): void {
    this.trafficBefore = windows;
  }

  /** The new slot's traffic windows during the bake. */
  baked(windows: TrafficWindow[]): void {
    this.trafficOfBake = windows;
  }

  /** Traffic moved to the new slot now. */
  switched(): void {
    this.switchedAt = this.isoNow();
  }

  /** Traffic moved back to the old slot now. */
  switchedBack(): void {
    this.switchedBackAt = this.isoNow();
  }

  /** Whether traffic was moved back to the old slot. */
  get rolledBack(): boolean {
    return this.switchedBackAt !== undefined;
  }

  /** The record of a run that finished: traffic is on `to`. */
  record(result: PromotionRecord["result"], from: Slot, to: Slot): PromotionRecord {
    return {
      result,
      version: this.version,
      from,
      to,
      at: this.isoNow(),
      timings: this.timingsNow(),
      ...this.reasons,
      ...(this.trafficOfBake ? { traffic: this.traffic() } : {}),
    };
  }

  /** The attempt of a run that stopped in `phase`, with where traffic is now (`live`). */
  attempt(phase: PromotionAttempt["phase"], from: Slot, to: Slot, live: LiveState): PromotionAttempt {
    return {
      version: this.version,
      from,
      to,
      phase,
      result: this.rolledBack ? "rolled-back" : "failed",
      at: this.isoNow(),
      ...(this.switchedAt ? { switchedAt: this.switchedAt } : {}),
      ...(this.switchedBackAt ? { switchedBackAt: this.switchedBackAt } : {}),
      timings: this.timingsNow(),
      traffic: this.traffic(),
      live,
    };
  }

  /** The traffic around the switch: the old slot's windows before it and the new slot's during the bake, bounded. */
  private traffic(): PromotionTraffic {
    const p = this.analysis.postSwitch;
    return {
      windowMs: p.intervalMs,
      limits: { maxErrorRate: p.maxErrorRate, maxP99LatencyMs: p.maxP99LatencyMs },
      windows: boundWindows(this.trafficBefore, this.trafficOfBake ?? []),
    };
  }

  private timingsNow(): PromotionTimings {
    return { ...this.timings, totalMs: this.now() - this.started };
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }
}
