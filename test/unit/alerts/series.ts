import { evaluate, parseDuration, type AlertEvent, type AlertRule, type AlertState, type Sample, type SeriesInput } from "../../../infra/alerts";

/** Deterministic PRNG (mulberry32, the simulator's), so "noisy" series are the same on every run. */
import { mulberry32 } from "../../../sim/prng";
const rng = mulberry32;

export const T0 = Date.parse("2026-11-26T00:00:00Z");
export const MIN = 60_000;

/**
 * A recorded-style series: one sample every `stepMs` from T0 for `minutes`, value from `shape(minute)` plus noise,
 * each standing for `n` events. `shape` returning `undefined` leaves a gap (no data).
 */
export function series(opts: {
  minutes: number;
  stepMs?: number;
  n?: number;
  noise?: number;
  seed?: number;
  shape: (minute: number) => number | undefined;
}): Sample[] {
  const step = opts.stepMs ?? 15_000;
  const rand = rng(opts.seed ?? 42);
  const out: Sample[] = [];
  for (let t = T0; t < T0 + opts.minutes * MIN; t += step) {
    const base = opts.shape((t - T0) / MIN);
    const jitter = (rand() - 0.5) * 2 * (opts.noise ?? 0);
    if (base === undefined) continue;
    out.push({ t, v: Math.max(0, base + jitter), ...(opts.n !== undefined ? { n: opts.n } : {}) });
  }
  return out;
}

/** One step of a replay. */
export interface Step {
  t: number;
  minute: number;
  state: AlertState;
  events: AlertEvent[];
}

/** Replays the rule over the series at its interval, as the guardian would, from T0 for `minutes`. */
export function replay(rule: AlertRule, samples: Sample[], minutes: number, opts: { errorAt?: (minute: number) => boolean } = {}): Step[] {
  const steps: Step[] = [];
  let state: AlertState | undefined;
  const interval = parseDuration(rule.interval);
  for (let t = T0 + interval; t <= T0 + minutes * MIN; t += interval) {
    const minute = (t - T0) / MIN;
    const input: SeriesInput = opts.errorAt?.(minute) ? { samples: [], error: "source timed out" } : { samples: samples.filter((s) => s.t <= t) };
    const r = evaluate(rule, input, state, t);
    state = r.state;
    steps.push({ t, minute, state, events: r.events });
  }
  return steps;
}

/** The events of a replay, as `minute:type[:level]` strings. */
export function timeline(steps: Step[]): string[] {
  return steps.flatMap((s) => s.events.map((e) => `${s.minute}:${e.type}${e.level ? `:${e.level}` : ""}`));
}

/** The status at a given minute. */
export function statusAt(steps: Step[], minute: number): string | undefined {
  return steps.find((s) => s.minute === minute)?.state.status;
}
