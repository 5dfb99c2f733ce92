import { z } from "zod";

/** Response classes the edge counts; `error` is a request the edge could not proxy (answered 502/504 by the edge). */
export const STATUS_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx", "error"] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** One series of the edge's metrics: requests of one app, route and slot since the edge instance started. */
export const EdgeSeriesSchema = z.object({
  app: z.string(),
  route: z.string(),
  /** The slot that served the requests. */
  slot: z.enum(["blue", "green"]),
  requests: z.number().int().nonnegative(),
  classes: z.object(Object.fromEntries(STATUS_CLASSES.map((c) => [c, z.number().int().nonnegative()])) as Record<StatusClass, z.ZodNumber>),
  latency: z.object({
    /** Cumulative counts `<= bucketsMs[i]`, then the `+Inf` total last. */
    cumulative: z.array(z.number().int().nonnegative()),
    sumMs: z.number().nonnegative(),
  }),
});

/** The JSON form of `GET /__edge/metrics?format=json` (the contract between the edge and the edge-metrics provider). */
export const EdgeMetricsSnapshotSchema = z.object({
  /** Identifies the edge process; a change means counters restarted from zero. */
  instance: z.string(),
  startedAt: z.string(),
  takenAt: z.string(),
  /** Finite latency bucket upper bounds in milliseconds, ascending (fixed for the life of the edge). */
  bucketsMs: z.array(z.number().positive()),
  series: z.array(EdgeSeriesSchema),
});

export type EdgeSeries = z.infer<typeof EdgeSeriesSchema>;
export type EdgeMetricsSnapshot = z.infer<typeof EdgeMetricsSnapshotSchema>;
