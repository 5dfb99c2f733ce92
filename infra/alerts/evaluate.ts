import { parseDuration } from "./duration";
import { beyond, type AlertRule, type Threshold } from "./rule";
import type { Reducer } from "./signals";

/** One observation of a signal (`t` in ms since the epoch). */
export interface Sample {
  t: number;
  v: number;
  /**
   * How many events the sample stands for (requests behind an error ratio, beacons behind a p75; default 1).
   * `mean` is weighted by it and `minSamples` counts it, so a window's value is the ratio of sums, as in PromQL.
   */
  n?: number;
}

/** What the signal source returned for this evaluation: samples up to now, or an error. */
export interface SeriesInput {
  samples: readonly Sample[];
  /** Set when the source failed (query error, timeout); never contains a secret (the guardian redacts). */
  error?: string;
}

/** Alert status. `resolved` lasts one evaluation after firing, then `inactive`. */
export type AlertStatus = "inactive" | "pending" | "firing" | "resolved" | "nodata";
/** Firing level. */
export type AlertLevel = "critical" | "warning";

/** The state carried between evaluations (plain data: the guardian persists it). */
export interface AlertState {
  status: AlertStatus;
  level?: AlertLevel;
  /** When the current status began. */
  since: number;
  /** First breach of the current episode (pending or firing). */
  activeSince?: number;
  /** Last evaluation that breached (for keep-firing-for). */
  lastBreachAt?: number;
  lastValue?: number;
  lastEvalAt?: number;
}

/** A transition worth notifying about. */
export interface AlertEvent {
  type: "pending" | "firing" | "resolved" | "nodata" | "level-changed";
  rule: string;
  at: number;
  level?: AlertLevel;
  value?: number;
  message: string;
}

/** What this evaluation concluded about the data, before applying the state machine. */
export type Outcome =
  | { kind: "breach"; level: AlertLevel; value: number; confirmValue?: number; samples: number }
  | { kind: "clear"; value: number; confirmValue?: number; samples: number }
  | { kind: "insufficient"; samples: number }
  | { kind: "nodata" }
  | { kind: "error"; error: string };

/** The result of {@link evaluate}. */
export interface Evaluation {
  state: AlertState;
  events: AlertEvent[];
  outcome: Outcome;
}

/** The state of a rule never evaluated. */
export function initialState(now: number): AlertState {
  return { status: "inactive", since: now };
}

const weight = (s: Sample) => s.n ?? 1;

function reduce(samples: Sample[], reducer: Reducer): number {
  switch (reducer) {
    case "mean": {
      const total = samples.reduce((a, s) => a + weight(s), 0);
      return total > 0 ? samples.reduce((a, s) => a + s.v * weight(s), 0) / total : samples.reduce((a, s) => a + s.v, 0) / samples.length;
    }
    case "max":
      return Math.max(...samples.map((s) => s.v));
    case "min":
      return Math.min(...samples.map((s) => s.v));
    case "last":
      return samples[samples.length - 1]!.v;
  }
}

/**
 * Which level the value is at. Once active at a level (pending or firing), staying there is judged against the
 * level's recovery value (hysteresis); entering a level, or escalating to critical, against its threshold.
 */
function classify(rule: AlertRule, value: number, confirm: number | undefined, active: AlertLevel | undefined): AlertLevel | undefined {
  const bad = (t: Threshold, held: boolean) => {
    const limit = held ? (t.recovery ?? t.threshold) : t.threshold;
    return beyond(rule.comparator, value, limit) && (confirm === undefined || beyond(rule.comparator, confirm, limit));
  };
  if (bad(rule.critical, active === "critical")) return "critical";
  if (rule.warning && bad(rule.warning, active !== undefined)) return "warning";
  return undefined;
}

/** Reads the series into an outcome: no data, too few samples, or a value classified against the thresholds. */
export function assess(rule: AlertRule, series: SeriesInput, now: number, active: AlertLevel | undefined): Outcome {
  if (series.error !== undefined) return { kind: "error", error: series.error };
  const past = series.samples.filter((s) => s.t <= now && Number.isFinite(s.v));
  const last = past.length ? past[past.length - 1]!.t : undefined;
  if (last === undefined || last <= now - parseDuration(rule.noDataAfter)) return { kind: "nodata" };
  const inWindow = past.filter((s) => s.t > now - parseDuration(rule.window));
  const count = inWindow.reduce((a, s) => a + weight(s), 0);
  if (inWindow.length === 0 || count < rule.minSamples) return { kind: "insufficient", samples: count };
  const value = reduce(inWindow, rule.reducer);
  let confirmValue: number | undefined;
  if (rule.confirmWindow) {
    const short = inWindow.filter((s) => s.t > now - parseDuration(rule.confirmWindow!));
    if (short.length === 0) return { kind: "insufficient", samples: 0 };
    confirmValue = reduce(short, rule.reducer);
  }
  const level = classify(rule, value, confirmValue, active);
  return level ? { kind: "breach", level, value, confirmValue, samples: count } : { kind: "clear", value, confirmValue, samples: count };
}

/**
 * One evaluation of `rule` at `now`: pure, deterministic, and the single definition of the rule semantics that the
 * Prometheus / Grafana / Datadog exports approximate.
 *
 * - breach → `pending`, then `firing` once the breach has lasted `for` (at once when `for` is 0s);
 * - clear while pending → `inactive`; clear while firing → stays `firing` until `keepFiringFor` has passed since
 *   the last breach, then `resolved` (one evaluation), then `inactive`;
 * - no sample within `noDataAfter` → per `noData`: `ok` = clear, `alerting` = critical breach, `keep-last` = hold,
 *   `nodata` = the `nodata` status (a firing alert keeps firing through `keepFiringFor` first);
 * - source error → per `onError` (`ok`, `alerting`, `keep-last`);
 * - fewer than `minSamples` events (sum of `n`) in the window → inconclusive: nothing changes (low traffic neither fires nor
 *   resolves an alert).
 */
export function evaluate(rule: AlertRule, series: SeriesInput, prev: AlertState | undefined, now: number): Evaluation {
  const state: AlertState = { ...(prev ?? initialState(now)), lastEvalAt: now };
  const active = state.status === "pending" || state.status === "firing" ? state.level : undefined;
  const outcome = assess(rule, series, now, active);
  const events: AlertEvent[] = [];
  const emit = (type: AlertEvent["type"], message: string, value?: number) =>
    events.push({ type, rule: rule.name, at: now, ...(state.level ? { level: state.level } : {}), ...(value !== undefined ? { value } : {}), message });
  const moveTo = (status: AlertStatus) => {
    if (state.status !== status) state.since = now;
    state.status = status;
  };

  let effect: { kind: "breach"; level: AlertLevel; value?: number } | { kind: "clear"; value?: number } | { kind: "hold" } | { kind: "nodata" };
  switch (outcome.kind) {
    case "breach":
      effect = { kind: "breach", level: outcome.level, value: outcome.value };
      break;
    case "clear":
      effect = { kind: "clear", value: outcome.value };
      break;
    case "insufficient":
      effect = { kind: "hold" };
      break;
    case "nodata":
      effect =
        rule.noData === "ok"
          ? { kind: "clear" }
          : rule.noData === "alerting"
            ? { kind: "breach", level: "critical" }
            : rule.noData === "keep-last"
              ? { kind: "hold" }
              : { kind: "nodata" };
      break;
    case "error":
      effect = rule.onError === "ok" ? { kind: "clear" } : rule.onError === "alerting" ? { kind: "breach", level: "critical" } : { kind: "hold" };
      break;
  }
  if ("value" in effect && effect.value !== undefined) state.lastValue = effect.value;
  const keepFiring = () => state.status === "firing" && state.lastBreachAt !== undefined && now - state.lastBreachAt < parseDuration(rule.keepFiringFor);
  const describe = (v: number | undefined) => (v === undefined ? "" : ` (value ${round(v)})`);

  if (effect.kind === "breach") {
    const previousLevel = state.level;
    state.lastBreachAt = now;
    if (state.status === "firing") {
      state.level = effect.level;
      if (previousLevel !== effect.level) emit("level-changed", `${rule.name} is now ${effect.level}${describe(effect.value)}`, effect.value);
    } else {
      if (state.status !== "pending") {
        state.activeSince = now;
        moveTo("pending");
      }
      state.level = effect.level;
      if (now - state.activeSince! >= parseDuration(rule.for)) {
        moveTo("firing");
        emit("firing", `${rule.name} is firing at ${effect.level}${describe(effect.value)}`, effect.value);
      } else if (state.since === now) {
        emit("pending", `${rule.name} breached ${effect.level}; firing if it lasts ${rule.for}${describe(effect.value)}`, effect.value);
      }
    }
  } else if (effect.kind === "clear") {
    if (state.status === "pending") {
      moveTo("inactive");
      state.level = undefined;
      state.activeSince = undefined;
    } else if (state.status === "firing") {
      if (!keepFiring()) {
        moveTo("resolved");
        emit("resolved", `${rule.name} resolved${describe(effect.value)}`, effect.value);
        state.level = undefined;
        state.activeSince = undefined;
      }
    } else if (state.status === "nodata") {
      moveTo("inactive");
      emit("resolved", `${rule.name}: data is back and within thresholds${describe(effect.value)}`, effect.value);
    } else if (state.status === "resolved") {
      moveTo("inactive");
    }
  } else if (effect.kind === "nodata") {
    if (state.status !== "nodata" && !keepFiring()) {
      moveTo("nodata");
      state.level = undefined;
      state.activeSince = undefined;
      emit("nodata", `${rule.name}: no data for ${rule.noDataAfter}`);
    }
  }
  return { state, events, outcome };
}

function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}
