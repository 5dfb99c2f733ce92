import { z } from "zod";
import type { ServiceFaults, ServiceRuntimeSpec } from "./types";

/** A bad argument to the data plane: the message names the field and how to fix it. */
class DataPlaneInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataPlaneInputError";
  }
}

const SERVICE_TYPES = ["web_service", "private_service", "background_worker", "static_site", "cron_job"] as const;

/** `ServiceRuntimeSpec`, checked before any change is made. */
const ServiceRuntimeSpecSchema = z.object({
  id: z.string().regex(/^[a-z]{2,4}-[0-9a-z-]{4,64}$/, "must be a Render id such as srv-…"),
  name: z.string().min(1, "must be the service's name"),
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lowercase letters, digits and dashes"),
  type: z.enum(SERVICE_TYPES),
  deployId: z.string().min(1, "must be the live deploy's id (dep-…)"),
  image: z.string().optional(),
  commit: z.string().optional(),
  env: z.record(z.string(), z.string()),
  secretFiles: z.record(z.string().regex(/^[\w.-]+$/, "secret file names must be plain file names"), z.string()),
  healthCheckPath: z.string().refine((p) => p === "" || p.startsWith("/"), 'must be "" or a path starting with /'),
  numInstances: z.number().int().min(0, "must be ≥ 0").max(100, "must be ≤ 100"),
  suspended: z.boolean(),
  customDomains: z.array(z.string().min(1)),
  startCommand: z.string().optional(),
});

/** Faults as accepted by `setFaults` (the `/__sim/` API validates the same ranges). */
export const ServiceFaultsSchema = z
  .object({
    healthy: z.boolean().optional(),
    latencyMs: z.number().min(0, "must be ≥ 0 ms").max(600_000, "must be ≤ 600000 ms").optional(),
    errorRate: z.number().min(0, "must be a fraction in [0, 1]").max(1, "must be a fraction in [0, 1]").optional(),
    failNextDeploy: z.boolean().optional(),
  })
  .strict();

function explain(what: string, error: z.ZodError): DataPlaneInputError {
  const issue = error.issues[0];
  const field = issue.path.join(".") || "(root)";
  return new DataPlaneInputError(`${what}: field "${field}" ${issue.message}`);
}

/** Parses a runtime spec or throws a `DataPlaneInputError` naming the first bad field. */
export function parseSpec(spec: unknown): ServiceRuntimeSpec {
  const r = ServiceRuntimeSpecSchema.safeParse(spec);
  if (!r.success) throw explain("invalid service runtime spec", r.error);
  return r.data;
}

/** Parses faults or throws a `DataPlaneInputError` naming the first bad field. */
export function parseFaults(faults: unknown): ServiceFaults {
  const r = ServiceFaultsSchema.safeParse(faults ?? {});
  if (!r.success) throw explain("invalid faults", r.error);
  return r.data;
}

/** Options of `new DataPlane(…)`. */
const DataPlaneOptionsSchema = z.object({
  stateDir: z.string().min(1, "must name the directory for ports, faults and logs"),
  repoRoot: z.string().min(1, "must name the directory holding apps/<app>/index.ts"),
  host: z.string().default("127.0.0.1"),
  /** How long a new version may take to answer its health path before the deploy fails. */
  startTimeoutMs: z.number().int().positive().default(60_000),
  /** SIGTERM → SIGKILL grace when stopping an instance (Render's default `maxShutdownDelaySeconds` is 30). */
  shutdownGraceMs: z.number().int().nonnegative().default(10_000),
  /** CPU/memory/instance-count sampling period. */
  sampleIntervalMs: z.number().int().positive().default(5_000),
  /** Per-second metric buckets kept (default two hours). */
  retentionSeconds: z.number().int().positive().default(7_200),
  /** Synthetic apps' base latency and jitter (uniform), in ms. */
  baseLatencyMs: z.number().nonnegative().default(2),
  jitterMs: z.number().nonnegative().default(3),
});
export type DataPlaneOptions = z.input<typeof DataPlaneOptionsSchema>;
export type ResolvedOptions = z.output<typeof DataPlaneOptionsSchema>;

export function parseOptions(o: unknown): ResolvedOptions {
  const r = DataPlaneOptionsSchema.safeParse(o);
  if (!r.success) throw explain("invalid DataPlane options", r.error);
  return r.data;
}
