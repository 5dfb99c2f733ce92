import { z } from "zod";
import { FLAG_ADMIN_PREFIX, FlagEntryResponseSchema, FlagListResponseSchema, OverrideRequestSchema } from "../flags/admin-api";
import { EdgeMetricsSnapshotSchema } from "../health/providers/edge-metrics/wire";
import { ActiveMapSchema, SlotSchema } from "./slots";
import { EdgeEventSchema, VerdictSchema } from "./state";

/**
 * The edge's admin API (Bearer `EDGE_ADMIN_TOKEN`; `healthz` and the peers' signed push excepted), every body as a
 * zod schema. The edge validates requests with these schemas; {@link EdgeAdminClient} validates answers with them.
 *
 * | method | path | request | answer |
 * |---|---|---|---|
 * | GET | `/__edge/healthz` (no token) | | `{ ok, instance }` |
 * | GET | `/__edge/state` | | {@link EdgeStateViewSchema} |
 * | GET | `/__edge/internal/state` | | the state document (`EdgeStateSchema`) |
 * | GET | `/__edge/events` | | {@link EventsResponseSchema} |
 * | GET | `/__edge/metrics?format=json` | | {@link EdgeMetricsJsonSchema} (Prometheus text without `format=json`) |
 * | POST | `/__edge/switch` | {@link SwitchRequestSchema} | {@link SwitchResultSchema} |
 * | POST | `/__edge/analysis` | {@link AnalysisRequestSchema} | {@link AnalysisResultSchema} |
 * | … | `/__edge/flags…` | see `infra/flags/admin-api.ts` (re-exported here) | |
 * | … | `/__edge/alerts/rules…` | an alert rule | {@link RuleListResponseSchema}, {@link RuleEntryResponseSchema} |
 * | GET | `/__edge/vitals?windowMs=&since=` | | {@link VitalsSummarySchema} |
 *
 * Errors: {@link AdminErrorSchema} (`{ error, code?, issues? }`) with 400 (the field named), 401, 404, 409, 503.
 */
export const EDGE_ADMIN_PATHS = {
  healthz: "/__edge/healthz",
  state: "/__edge/state",
  document: "/__edge/internal/state",
  events: "/__edge/events",
  metrics: "/__edge/metrics",
  switch: "/__edge/switch",
  analysis: "/__edge/analysis",
  flags: FLAG_ADMIN_PREFIX,
  alertRules: "/__edge/alerts/rules",
  vitals: "/__edge/vitals",
} as const;

/** Admin path segments the edge itself uses; an extension may not take them (`/__edge/<name>/`). */
export const RESERVED_ADMIN_NAMES: ReadonlySet<string> = new Set(["state", "switch", "analysis", "metrics", "events", "internal", "healthz"]);

const actor = z
  .string()
  .regex(/^[\w.@:-]{1,64}$/, "actor must be a short name such as pulumi, guardian or rollback-cli")
  .optional();

/** `POST /__edge/switch`. `slot` is any string on the wire so that an unknown slot is a 404, not a 400. */
export const SwitchRequestSchema = z.object({
  app: z.string({ error: 'app is required (the app name, e.g. "api")' }),
  slot: z.string({ error: 'slot is required ("blue" or "green")' }),
  force: z.boolean({ error: "force must be true or false" }).optional(),
  reason: z.string().max(500).optional(),
  actor,
});
export type SwitchRequest = z.input<typeof SwitchRequestSchema>;

/** `POST /__edge/analysis`: a verdict on a slot (a Failed one blocks switching to it until a newer verdict). */
export const AnalysisRequestSchema = z.object({
  app: z.string({ error: "app is required" }),
  slot: z.string({ error: 'slot is required ("blue" or "green")' }),
  phase: z.enum(["Successful", "Failed", "Inconclusive"], { error: "phase must be Successful, Failed or Inconclusive" }),
  reason: z.string({ error: "reason is required: say what was measured" }).min(1).max(500),
  actor,
});
export type AnalysisRequest = z.input<typeof AnalysisRequestSchema>;

/** Peers that did not confirm a write; they converge through the durable-state poll. Errors never hold secrets. */
export const FanoutResultSchema = z.object({
  total: z.number().int(),
  acked: z.number().int(),
  failed: z.array(z.object({ url: z.string(), error: z.string() })),
});
export type FanoutResult = z.infer<typeof FanoutResultSchema>;

/** The answer to a switch. */
export const SwitchResultSchema = z.object({
  app: z.string(),
  from: SlotSchema,
  to: SlotSchema,
  /** False when the app was already on `to` (switching is idempotent). */
  changed: z.boolean(),
  forced: z.boolean(),
  version: z.number().int(),
  /** Whether requests in flight to the old slot on the answering instance finished within the drain timeout. */
  drained: z.boolean(),
  /** Every known peer confirmed the new state before this answer (false: it converges within the poll). */
  synced: z.boolean(),
  peers: FanoutResultSchema.optional(),
});
export type SwitchResult = z.infer<typeof SwitchResultSchema>;

/** The answer to a verdict. */
export const AnalysisResultSchema = z.object({ version: z.number().int(), verdict: VerdictSchema, synced: z.boolean() });
export type AnalysisResult = z.infer<typeof AnalysisResultSchema>;

/** Per-slot view in `GET /__edge/state`. */
export const EdgeSlotViewSchema = z.looseObject({
  url: z.string(),
  /** The edge's sliding-window health analysis of the slot. */
  health: z.enum(["Successful", "Failed", "Inconclusive", "Running", "Error"]),
  healthReason: z.string(),
  lastStatus: z.number().optional(),
  lastLatencyMs: z.number().optional(),
  inFlight: z.number(),
  verdict: VerdictSchema.optional(),
});
export type EdgeSlotView = z.infer<typeof EdgeSlotViewSchema>;

/** `GET /__edge/state`: the active slots, each slot's health and verdict, and the state version. */
export const EdgeStateViewSchema = z.looseObject({
  instance: z.string(),
  version: z.number().int(),
  updatedAt: z.string(),
  by: z.string(),
  active: ActiveMapSchema,
  apps: z.record(
    z.string(),
    z.looseObject({ active: SlotSchema, healthPath: z.string(), slots: z.object({ blue: EdgeSlotViewSchema, green: EdgeSlotViewSchema }) }),
  ),
  store: z.string(),
  peers: z.string(),
});
export type EdgeStateView = z.infer<typeof EdgeStateViewSchema>;

/** `GET /__edge/events`: switches, auto-rollbacks and verdicts (the last 50). */
export const EventsResponseSchema = z.object({ events: z.array(EdgeEventSchema) });

/** `GET /__edge/metrics?format=json`: the metrics snapshot of the instance that answered, with its state. */
export const EdgeMetricsJsonSchema = EdgeMetricsSnapshotSchema.extend({
  active: ActiveMapSchema,
  stateVersion: z.number().int(),
  events: z.array(EdgeEventSchema),
});
export type EdgeMetricsJson = z.infer<typeof EdgeMetricsJsonSchema>;

/** `GET /__edge/alerts/rules` (rules validated by the client with `validateAlertRule`). */
export const RuleListResponseSchema = z.object({ revision: z.string(), rules: z.array(z.unknown()) });
/** `GET`/`PUT /__edge/alerts/rules/{name}`. */
export const RuleEntryResponseSchema = z.object({ revision: z.string(), rule: z.unknown() });

/** One metric of {@link VitalsSummarySchema}. */
const VitalSummarySchema = z.object({
  count: z.number().int().nonnegative(),
  /** The 75th percentile over the window (how Core Web Vitals are judged); absent without beacons. */
  p75: z.number().optional(),
  /** Beacons received after `since`. */
  newCount: z.number().int().nonnegative(),
});

/** `GET /__edge/vitals`: per app and metric, the beacons over `windowMs`. */
export const VitalsSummarySchema = z.object({
  takenAt: z.number(),
  windowMs: z.number(),
  apps: z.record(z.string(), z.record(z.string(), VitalSummarySchema)),
});
export type VitalsSummary = z.infer<typeof VitalsSummarySchema>;

/** An admin API error body: a message, optionally a machine-readable code and the invalid fields. */
export const AdminErrorSchema = z.looseObject({
  error: z.string(),
  code: z.string().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export { FLAG_ADMIN_PREFIX, FlagEntryResponseSchema, FlagListResponseSchema, OverrideRequestSchema };
export type { FlagEntryResponse, FlagListResponse, OverrideRequest } from "../flags/admin-api";
