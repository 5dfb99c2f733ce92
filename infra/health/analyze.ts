import type { Measurement, MeasurementPhase, MeasurementValue } from "./measurement";
import type { Bound, Condition, Metric } from "./metric";

/** Phases of an analysis run, as in Argo Rollouts. */
export type AnalysisPhase = "Successful" | "Failed" | "Inconclusive" | "Running" | "Error";

/** The verdict of `analyze`: the phase, a sentence saying why, and the tallies it was decided on. */
export interface AnalysisResult {
  phase: AnalysisPhase;
  /** Human-readable: what was measured and which limit decided the phase. */
  reason: string;
  metric: string;
  measurements: number;
  successful: number;
  failed: number;
  inconclusive: number;
  errors: number;
  consecutiveErrors: number;
  /** The phase of each measurement, in order. */
  phases: MeasurementPhase[];
}

/** A condition's truth on a value: `undefined` when the value lacks a quantity the condition needs (no data). */
export function evaluateCondition(cond: Condition, v: MeasurementValue): boolean | undefined {
  let holds = true;
  if (cond.status) {
    if (v.status === undefined) return undefined;
    const s = v.status;
    holds &&= cond.status.some((c) => (typeof c === "number" ? c === s : s >= Number(c[0]) * 100 && s < Number(c[0]) * 100 + 100));
  }
  if (cond.errorRate) {
    if (v.errorRate === undefined) return undefined;
    holds &&= inBound(v.errorRate, cond.errorRate);
  }
  if (cond.latencyMs) {
    for (const [q, bound] of Object.entries(cond.latencyMs) as [keyof NonNullable<Condition["latencyMs"]>, Bound | undefined][]) {
      if (!bound) continue;
      const x = v.latencyMs?.[q];
      if (x === undefined) return undefined;
      holds &&= inBound(x, bound);
    }
  }
  return holds;
}

function inBound(x: number, b: Bound): boolean {
  return (b.lt === undefined || x < b.lt) && (b.lte === undefined || x <= b.lte) && (b.gt === undefined || x > b.gt) && (b.gte === undefined || x >= b.gte);
}

/**
 * Judges one measurement the way Argo Rollouts does: with both conditions, success → Successful, failure → Failed,
 * neither → Inconclusive; with one condition, its negation decides the other way. Too few samples or missing data
 * → Inconclusive. A provider error → Error.
 */
export function evaluateMeasurement(metric: Metric, m: Measurement): MeasurementPhase {
  if (m.error !== undefined || !m.value) return "Error";
  const v = m.value;
  if (v.samples < Math.max(metric.minSamples, 1)) return "Inconclusive";
  // A failure condition is checked first: a value that meets both is a failure, never a pass.
  const failed = metric.failureCondition ? evaluateCondition(metric.failureCondition, v) : undefined;
  const succeeded = metric.successCondition ? evaluateCondition(metric.successCondition, v) : undefined;
  if ((metric.failureCondition && failed === undefined) || (metric.successCondition && succeeded === undefined)) return "Inconclusive";
  if (failed === true) return "Failed";
  if (metric.successCondition && metric.failureCondition) return succeeded ? "Successful" : "Inconclusive";
  if (metric.successCondition) return succeeded ? "Successful" : "Failed";
  return "Successful"; // failure condition only, and it did not hold
}

/**
 * Decides an analysis from its measurements so far (pure). Limits end the analysis early, as in Argo: more failed
 * measurements than `failureLimit` → Failed; more consecutive errors than `consecutiveErrorLimit` → Error; more
 * inconclusive measurements than `inconclusiveLimit` → Inconclusive. Otherwise Running until `count` measurements,
 * then Successful. No measurement at all is Running (or, once `count` is reached by errors only, Error) and never
 * Successful: no data proves nothing.
 */
export function analyze(metric: Metric, measurements: readonly Measurement[]): AnalysisResult {
  const phases = measurements.map((m) => evaluateMeasurement(metric, m));
  let successful = 0,
    failed = 0,
    inconclusive = 0,
    errors = 0,
    consecutiveErrors = 0;
  // A limit decides at measurement `upTo`; later measurements (if any were taken) do not change the verdict.
  const base = (phase: AnalysisPhase, reason: string, upTo = phases.length): AnalysisResult => ({
    phase,
    reason,
    metric: metric.name,
    measurements: upTo,
    successful,
    failed,
    inconclusive,
    errors,
    consecutiveErrors,
    phases: phases.slice(0, upTo),
  });
  for (let i = 0; i < phases.length; i++) {
    const p = phases[i];
    if (p === "Error") {
      errors++;
      consecutiveErrors++;
    } else consecutiveErrors = 0;
    if (p === "Successful") successful++;
    if (p === "Failed") failed++;
    if (p === "Inconclusive") inconclusive++;
    if (failed > metric.failureLimit) {
      return base(
        "Failed",
        `${metric.name}: ${failed} failed measurement(s) of ${i + 1}, above failureLimit ${metric.failureLimit}${describe(measurements[i])}`,
        i + 1,
      );
    }
    if (consecutiveErrors > metric.consecutiveErrorLimit) {
      return base(
        "Error",
        `${metric.name}: ${consecutiveErrors} consecutive measurement errors, above consecutiveErrorLimit ${metric.consecutiveErrorLimit} (last: ${measurements[i].error})`,
        i + 1,
      );
    }
    if (inconclusive > metric.inconclusiveLimit) {
      return base(
        "Inconclusive",
        `${metric.name}: ${inconclusive} inconclusive measurement(s) (no data or fewer than ${metric.minSamples} samples), above inconclusiveLimit ${metric.inconclusiveLimit}`,
        i + 1,
      );
    }
  }
  if (phases.length < metric.count) {
    return base("Running", `${metric.name}: ${phases.length} of ${metric.count} measurements taken`);
  }
  if (successful === 0) {
    // Reached only when every measurement errored within the limit: nothing was measured, so nothing passed.
    return base("Inconclusive", `${metric.name}: no successful measurement in ${phases.length} (errors: ${errors})`);
  }
  return base(
    "Successful",
    `${metric.name}: ${successful} of ${phases.length} measurements successful (failed ${failed}, inconclusive ${inconclusive}, errors ${errors})`,
  );
}

function describe(m: Measurement): string {
  const v = m.value;
  if (!v) return "";
  const parts: string[] = [];
  if (v.status !== undefined) parts.push(`status ${v.status}${v.transportError ? ` (${v.transportError})` : ""}`);
  if (v.errorRate !== undefined) parts.push(`error rate ${(v.errorRate * 100).toFixed(2)}%`);
  if (v.latencyMs?.p99 !== undefined) parts.push(`p99 ${v.latencyMs.p99.toFixed(1)} ms`);
  parts.push(`${v.samples} sample(s)`);
  return `; last: ${parts.join(", ")}`;
}

/** True for the phases that end an analysis. */
export function isTerminal(phase: AnalysisPhase): boolean {
  return phase !== "Running";
}
