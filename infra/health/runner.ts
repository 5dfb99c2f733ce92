import { analyze, type AnalysisResult } from "./analyze";
import type { Measurement } from "./measurement";
import type { Metric } from "./metric";
import type { MetricProvider } from "./provider";
import { abortableSleep } from "./sleep";

/** Options of `runAnalysis`. */
export interface RunOptions {
  metric: Metric;
  provider: MetricProvider;
  /** Cancels the run: the promise then resolves with the analysis so far (phase Running if undecided). */
  signal?: AbortSignal;
  /** Called after every measurement with the analysis so far (progress output, recording a series). */
  onMeasurement?: (m: Measurement, soFar: AnalysisResult) => void;
}

/** The outcome of a run: the verdict, every measurement taken, and whether the run was cancelled. */
export interface RunResult extends AnalysisResult {
  series: Measurement[];
  aborted: boolean;
}

/**
 * Takes measurements at the metric's interval until the analysis ends (a limit is exceeded or `count` measurements
 * were taken) or `signal` aborts. Each measurement is bounded by `metric.timeoutMs`; an overrun or a provider error
 * is recorded as an Error measurement.
 */
export async function runAnalysis(opts: RunOptions): Promise<RunResult> {
  const { metric, provider, signal } = opts;
  const series: Measurement[] = [];
  const finish = (aborted: boolean): RunResult => ({ ...analyze(metric, series), series, aborted });
  try {
    if (metric.initialDelayMs > 0) await abortableSleep(metric.initialDelayMs, signal);
    for (;;) {
      const started = Date.now();
      series.push(await measureOnce(provider, metric.timeoutMs, signal));
      const soFar = analyze(metric, series);
      opts.onMeasurement?.(series[series.length - 1], soFar);
      if (soFar.phase !== "Running") return { ...soFar, series, aborted: false };
      await abortableSleep(Math.max(0, metric.intervalMs - (Date.now() - started)), signal);
    }
  } catch (e) {
    if (signal?.aborted) return finish(true);
    throw e;
  }
}

/** One measurement with a timeout; never throws (provider failures become Error measurements) unless aborted. */
export async function measureOnce(provider: MetricProvider, timeoutMs: number, signal?: AbortSignal): Promise<Measurement> {
  const startedAt = new Date().toISOString();
  const timeout = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  try {
    const value = await provider.measure(combined);
    // A cancelled run must not record the cancellation as the app failing a probe.
    if (signal?.aborted) throw signal.reason ?? new Error("aborted");
    return { startedAt, finishedAt: new Date().toISOString(), value };
  } catch (e) {
    if (signal?.aborted) throw e;
    const why = timeout.aborted ? `${provider.kind} timed out after ${timeoutMs} ms` : `${provider.kind}: ${(e as Error).message}`;
    return { startedAt, finishedAt: new Date().toISOString(), error: why };
  }
}
