import type { PromotionAnalysis } from "../config/schema";
import { EdgeMetricsProvider, HttpProbeProvider, parseMetric, runAnalysis, type AnalysisPhase, type Measurement, type Metric, type RunResult } from "../health";
import { bakeWindowCount } from "./bake-windows";
import { runGuard, type GuardBaseline } from "./protected-guard";

/** The outcome of one promotion phase: the combined verdict and a sentence naming the metric, value and threshold. */
export interface PhaseOutcome {
  phase: Exclude<AnalysisPhase, "Running">;
  reason: string;
  durationMs: number;
  /** The post-switch bake only: every measurement of the new slot's traffic through the edge (for the report's plot). */
  traffic?: Measurement[];
}

/** The pre-switch probe metric: every probe of the idle slot's health path answers 2xx under the latency bound. */
function preSwitchMetric(a: PromotionAnalysis): Metric {
  const p = a.preSwitch;
  return parseMetric(
    {
      name: "pre-switch probe",
      intervalMs: p.intervalMs,
      count: p.probes,
      timeoutMs: p.timeoutMs,
      successCondition: { status: ["2xx"], latencyMs: { max: { lt: p.maxLatencyMs } } },
      failureLimit: 0,
      // A probe that could not be taken at all is an error; a few in a row mean the slot is unreachable.
      consecutiveErrorLimit: 1,
    },
    "analysis.preSwitch",
  );
}

/**
 * The post-switch traffic metric (edge metrics of the new slot): error rate and p99 under the thresholds. One
 * success condition, so breaking either bound fails the window; a window with fewer requests than `minSamples` is
 * Inconclusive, and more than half the windows inconclusive makes the bake Inconclusive (low traffic proves nothing).
 */
export function postSwitchTrafficMetric(a: PromotionAnalysis): Metric {
  const p = a.postSwitch;
  const count = bakeWindowCount(a);
  return parseMetric(
    {
      name: "post-switch traffic",
      intervalMs: p.intervalMs,
      count,
      timeoutMs: Math.min(10_000, Math.max(p.intervalMs, 1_000) * 2),
      minSamples: p.minSamples,
      successCondition: { errorRate: { lt: p.maxErrorRate }, latencyMs: { p99: { lt: p.maxP99LatencyMs } } },
      failureLimit: p.failureLimit,
      inconclusiveLimit: Math.floor(count / 2),
      consecutiveErrorLimit: 2,
    },
    "analysis.postSwitch",
  );
}

/** The post-switch probe metric: the new slot's health path keeps answering 2xx during the bake. */
export function postSwitchProbeMetric(a: PromotionAnalysis): Metric {
  const p = a.postSwitch;
  const intervalMs = Math.min(p.intervalMs, a.preSwitch.intervalMs);
  return parseMetric(
    {
      name: "post-switch probe",
      intervalMs,
      count: bakeWindowCount(a, intervalMs),
      timeoutMs: Math.min(a.preSwitch.timeoutMs, Math.max(intervalMs, 1_000) * 10),
      successCondition: { status: ["2xx"] },
      failureLimit: p.failureLimit,
      consecutiveErrorLimit: 2,
    },
    "analysis.postSwitch",
  );
}

/** Human-readable thresholds, appended to a verdict so a failure says what it was measured against. */
function thresholds(a: PromotionAnalysis, which: "pre" | "post"): string {
  if (which === "pre") return `want: ${a.preSwitch.probes} probes answering 2xx in < ${a.preSwitch.maxLatencyMs} ms`;
  const p = a.postSwitch;
  return `want: error rate < ${+(p.maxErrorRate * 100).toFixed(3)}%, p99 < ${p.maxP99LatencyMs} ms over ${p.bakeMs} ms, ≥ ${p.minSamples} requests per ${p.intervalMs} ms window`;
}

function outcomeOf(r: RunResult, started: number): PhaseOutcome {
  const phase = r.phase === "Running" ? "Inconclusive" : r.phase;
  return { phase, reason: r.reason, durationMs: Date.now() - started };
}

/** Probes the idle slot's own URL (never through the edge: no user request reaches it before it passes). */
export async function runPreSwitch(a: PromotionAnalysis, healthUrl: string, signal?: AbortSignal): Promise<PhaseOutcome> {
  const started = Date.now();
  const r = await runAnalysis({ metric: preSwitchMetric(a), provider: new HttpProbeProvider({ url: healthUrl, timeoutMs: a.preSwitch.timeoutMs }), signal });
  const o = outcomeOf(r, started);
  return { ...o, reason: `${o.reason} (${thresholds(a, "pre")})` };
}

/** Which phase wins when the bake's two metrics disagree: any failure beats no data, which beats a pass. */
const SEVERITY: Record<PhaseOutcome["phase"], number> = { Failed: 3, Error: 2, Inconclusive: 1, Successful: 0 };

/**
 * The bake: edge metrics of the new slot and probes of its health path, side by side, plus the guard of each
 * protected service (AlphaStack's engine: see protected-guard.ts). The first Failed result cancels the other
 * metrics, so a rollback starts as soon as one metric has decided.
 */
export async function runPostSwitch(
  a: PromotionAnalysis,
  edge: { url: string; token: string; app: string; slot: "blue" | "green" },
  healthUrl: string,
  signal?: AbortSignal,
  guards: readonly GuardBaseline[] = [],
): Promise<PhaseOutcome> {
  const started = Date.now();
  const stop = new AbortController();
  const both = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const traffic = new EdgeMetricsProvider({
    edgeUrl: edge.url,
    token: edge.token,
    app: edge.app,
    slot: edge.slot,
    windowMs: a.postSwitch.intervalMs,
    timeoutMs: 5_000,
  });
  const probe = new HttpProbeProvider({ url: healthUrl, timeoutMs: a.preSwitch.timeoutMs });
  const run = async (metric: Metric, provider: EdgeMetricsProvider | HttpProbeProvider): Promise<RunResult> => {
    const r = await runAnalysis({ metric, provider, signal: both });
    if (r.phase === "Failed") stop.abort(new Error(`${metric.name} failed`));
    return r;
  };
  const watch = async (b: GuardBaseline): Promise<RunResult> => {
    const r = await runGuard(b, a, both);
    if (r.phase === "Failed" || r.phase === "Error") stop.abort(new Error(`${b.service.name} guard failed`));
    return r;
  };
  const results = await Promise.all([run(postSwitchTrafficMetric(a), traffic), run(postSwitchProbeMetric(a), probe), ...guards.map(watch)]);
  if (signal?.aborted) throw signal.reason ?? new Error("aborted");
  // A run cancelled by the other metric's failure is not a verdict of its own.
  const decided = results.flatMap((r, i) => {
    if (r.aborted) return [];
    const o = outcomeOf(r, started);
    // A protected service that stopped answering its probes is harmed, not "unmeasured": Error fails the bake too.
    const guard = i >= 2;
    return [{ ...o, phase: guard && o.phase === "Error" ? ("Failed" as const) : o.phase, guard }];
  });
  decided.sort((x, y) => SEVERITY[y.phase] - SEVERITY[x.phase]);
  const { guard, ...worst } = decided[0]!;
  const others = decided.slice(1).map((o) => `${o.phase}: ${o.reason}`);
  // A guard's reason carries its own baseline and limit; the app's thresholds go with the app's metrics.
  const want = guard ? "" : ` (${thresholds(a, "post")})`;
  return { ...worst, reason: `${worst.reason}${want}${others.length ? `; also ${others.join("; ")}` : ""}`, traffic: results[0].series };
}
