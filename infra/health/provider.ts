import type { MeasurementValue } from "./measurement";

/**
 * A metric provider (Argo Rollouts style: one folder per provider under `providers/`). `measure` takes one
 * measurement. It resolves with what it measured — a failing app is a value (e.g. status 503), not an exception —
 * and rejects only when the provider itself could not measure (its endpoint down, unauthorised, malformed data),
 * which the analysis counts as an Error. It must honour `signal` (aborted on timeout or cancellation).
 */
export interface MetricProvider {
  /** Provider kind, e.g. `http-probe`; used in reasons and logs. */
  readonly kind: string;
  measure(signal: AbortSignal): Promise<MeasurementValue>;
}
