import { z } from "zod";

/** A numeric bound; every comparator given must hold. */
export const BoundSchema = z
  .object({ lt: z.number().optional(), lte: z.number().optional(), gt: z.number().optional(), gte: z.number().optional() })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: "a bound needs at least one of lt, lte, gt, gte" });

/**
 * A condition over a measurement value. All clauses given must hold (AND). A clause on a quantity the measurement
 * does not carry makes the measurement Inconclusive: missing data never passes or fails anything.
 */
export const ConditionSchema = z
  .object({
    /** Error rate in [0, 1], e.g. `{ lt: 0.01 }`. */
    errorRate: BoundSchema.optional(),
    /** Latency percentiles in milliseconds, e.g. `{ p99: { lt: 500 } }`. */
    latencyMs: z
      .object({
        p50: BoundSchema.optional(),
        p90: BoundSchema.optional(),
        p95: BoundSchema.optional(),
        p99: BoundSchema.optional(),
        max: BoundSchema.optional(),
      })
      .strict()
      .optional(),
    /** Probe status: exact codes and/or classes such as `"2xx"`. Holds when the status matches any entry. */
    status: z
      .array(z.union([z.number().int().min(0).max(599), z.enum(["1xx", "2xx", "3xx", "4xx", "5xx"])]))
      .min(1)
      .optional(),
  })
  .strict()
  .refine((c) => c.errorRate !== undefined || c.latencyMs !== undefined || c.status !== undefined, {
    message: "a condition needs at least one of errorRate, latencyMs, status",
  });

/**
 * An analysis metric after Argo Rollouts' `AnalysisTemplate.spec.metrics[]`: how often to measure, how many times,
 * and when a measurement (and the analysis) succeeds, fails or is inconclusive.
 */
export const MetricSchema = z
  .object({
    name: z.string().min(1),
    /** Milliseconds between measurements. */
    intervalMs: z.number().int().positive(),
    /** Measurements to take; the analysis is Running until this many were taken (or a limit was exceeded). */
    count: z.number().int().positive(),
    /** Milliseconds to wait before the first measurement (e.g. warm-up after a switch). */
    initialDelayMs: z.number().int().nonnegative().default(0),
    /** Per-measurement timeout in milliseconds; a measurement that overruns is an Error. */
    timeoutMs: z.number().int().positive().default(5_000),
    successCondition: ConditionSchema.optional(),
    failureCondition: ConditionSchema.optional(),
    /** Failed measurements tolerated; one more fails the analysis (Argo default 0). */
    failureLimit: z.number().int().nonnegative().default(0),
    /** Consecutive measurement errors tolerated; one more ends the analysis in Error (Argo default 4). */
    consecutiveErrorLimit: z.number().int().nonnegative().default(4),
    /** Inconclusive measurements tolerated; one more ends the analysis Inconclusive (Argo default 0). */
    inconclusiveLimit: z.number().int().nonnegative().default(0),
    /** A measurement summarising fewer samples than this is Inconclusive (low traffic proves nothing). */
    minSamples: z.number().int().nonnegative().default(1),
  })
  .strict()
  .refine((m) => m.successCondition !== undefined || m.failureCondition !== undefined, {
    message: "set successCondition and/or failureCondition: a metric without conditions cannot judge anything",
    path: ["successCondition"],
  })
  .refine((m) => m.timeoutMs <= Math.max(m.intervalMs, 1_000) * 10, {
    message: "timeoutMs is far above intervalMs: lower it so a hung probe cannot stall the analysis",
    path: ["timeoutMs"],
  });

export type Bound = z.infer<typeof BoundSchema>;
export type Condition = z.infer<typeof ConditionSchema>;
/** A validated metric (defaults applied). */
export type Metric = z.output<typeof MetricSchema>;
/** A metric as written by a user (defaults optional). */
export type MetricInput = z.input<typeof MetricSchema>;

/** Validates a metric, throwing an error that names the field and the fix. */
export function parseMetric(input: unknown, where = "metric"): Metric {
  const r = MetricSchema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${[where, ...i.path].join(".")}: ${i.message}`);
  throw new Error(`invalid analysis metric: ${issues.join("; ")}`);
}
