import { z } from "zod";

/** Latency percentiles of one measurement, in milliseconds. A single probe reports its own latency as every percentile. */
export const LatencySchema = z
  .object({
    p50: z.number().nonnegative().optional(),
    p90: z.number().nonnegative().optional(),
    p95: z.number().nonnegative().optional(),
    p99: z.number().nonnegative().optional(),
    max: z.number().nonnegative().optional(),
  })
  .strict();

/** The quantities a metric provider measured. Fields a provider cannot measure stay undefined ("no data"). */
export const MeasurementValueSchema = z
  .object({
    /** How many samples (probes or requests) the value summarises; compared with `Metric.minSamples`. */
    samples: z.number().int().nonnegative(),
    /** HTTP status of a probe; 0 when no response arrived (connection refused, reset, timeout). */
    status: z.number().int().min(0).max(599).optional(),
    /** Fraction in [0, 1] of failed requests (5xx or transport error) over the window. */
    errorRate: z.number().min(0).max(1).optional(),
    latencyMs: LatencySchema.optional(),
    /** Why the probe got no response, when `status` is 0 (e.g. `ECONNREFUSED`, `timeout`). */
    transportError: z.string().optional(),
  })
  .strict();

/**
 * One measurement, as a recorded series stores it. Either `value` (the provider measured something) or `error`
 * (the provider could not measure: its own failure, counted against `consecutiveErrorLimit`, never as a failed
 * measurement of the app).
 */
export const MeasurementSchema = z
  .object({
    startedAt: z.string(),
    finishedAt: z.string(),
    value: MeasurementValueSchema.optional(),
    error: z.string().optional(),
  })
  .strict()
  .refine((m) => (m.value === undefined) !== (m.error === undefined), { message: "a measurement has exactly one of value or error" });

export type Latency = z.infer<typeof LatencySchema>;
export type MeasurementValue = z.infer<typeof MeasurementValueSchema>;
export type Measurement = z.infer<typeof MeasurementSchema>;

/** How one measurement was judged against a metric's conditions (Argo Rollouts' measurement phases). */
export type MeasurementPhase = "Successful" | "Failed" | "Inconclusive" | "Error";
