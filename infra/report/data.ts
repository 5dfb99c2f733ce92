import { z } from "zod";

const slot = z.enum(["blue", "green"]);
const time = z.iso.datetime({ offset: true });

/** One resource step of the `up` (from `pulumi preview --json` / the engine events): what changed. */
const ChangeSchema = z
  .object({
    /** The resource's name or URN (shown as given). */
    resource: z.string().min(1),
    /** The resource type token, e.g. `pulumi-nodejs:dynamic:Resource` or `stackguard:TrafficSwitch`. */
    type: z.string().min(1),
    op: z.enum(["create", "update", "replace", "delete", "same", "read", "refresh"]),
    /** The changed input keys (names only: values may be secret). */
    fields: z.array(z.string()).default([]),
  })
  .strict();

/** One analysis verdict of a promotion (infra/promotion/analysis.ts `PhaseOutcome`, named by phase). */
const AnalysisEntrySchema = z
  .object({
    /** `deploy`: the new version never became live, so no analysis could run. */
    phase: z.enum(["deploy", "pre-switch", "post-switch", "baseline"]),
    verdict: z.enum(["Successful", "Failed", "Inconclusive", "Error"]),
    reason: z.string(),
    durationMs: z.number().nonnegative().optional(),
  })
  .strict();

/** One window of traffic through the edge for an app: the plot's points. */
const TrafficPointSchema = z
  .object({
    at: time,
    /** Fraction of failed requests in the window, in [0, 1]. */
    errorRate: z.number().min(0).max(1).optional(),
    p50Ms: z.number().nonnegative().optional(),
    p99Ms: z.number().nonnegative().optional(),
    requests: z.number().int().nonnegative().optional(),
    /** The slot that served the window. */
    slot: slot.optional(),
  })
  .strict();

/** One app's promotion within the `up`. */
export const PromotionEntrySchema = z
  .object({
    app: z.string().min(1),
    version: z.string().min(1),
    previousVersion: z.string().optional(),
    from: slot,
    to: slot,
    /** `promoted` / `already-active` / `promoted-inconclusive` (infra/promotion/run.ts), or how it stopped. */
    result: z.enum(["promoted", "already-active", "promoted-inconclusive", "rolled-back", "failed"]),
    /** The message of a promotion that stopped (where traffic is and why). */
    error: z.string().optional(),
    analysis: z.array(AnalysisEntrySchema).default([]),
    series: z.array(TrafficPointSchema).default([]),
    switchedAt: time.optional(),
    switchedBackAt: time.optional(),
    thresholds: z
      .object({ maxErrorRate: z.number().min(0).max(1), maxP99LatencyMs: z.number().positive() })
      .strict()
      .optional(),
    timings: z.record(z.string(), z.number().nonnegative()).optional(),
  })
  .strict();

/** Everything a deploy report shows. Only names, versions, verdicts and numbers: never a secret value. */
export const DeployReportDataSchema = z
  .object({
    stack: z.string().min(1),
    /** When the promotion started and ended. */
    startedAt: time,
    finishedAt: time,
    /** Overall outcome of the `up`. */
    outcome: z.enum(["succeeded", "failed", "rolled-back"]),
    /** Who or what ran it (workflow run, user), and the commit. */
    actor: z.string().optional(),
    commit: z.string().optional(),
    /** A link to the workflow run (shown as text with its URL; the report loads nothing). */
    runUrl: z.string().url().optional(),
    /** Sentences shown under the header (e.g. why the report has no update to show). */
    notes: z.array(z.string()).default([]),
    changes: z.array(ChangeSchema).default([]),
    /** Where the per-resource `changes` come from (e.g. "the gated plan"), shown with them. */
    changesSource: z.string().optional(),
    /** What the update applied, counted by operation (`pulumi stack history`), e.g. `{ update: 1, same: 18 }`. */
    changeSummary: z.record(z.string(), z.number().int().nonnegative()).optional(),
    promotions: z.array(PromotionEntrySchema).default([]),
    /** The active slot and the version on each slot per app, after the `up`. */
    finalSlots: z
      .record(z.string(), z.object({ activeSlot: slot, versions: z.object({ blue: z.string().optional(), green: z.string().optional() }).strict() }).strict())
      .default({}),
  })
  .strict();

/** Input of a deploy report (defaults not yet applied). */
export type DeployReportData = z.input<typeof DeployReportDataSchema>;
/** A validated deploy report. */
export type DeployReport = z.output<typeof DeployReportDataSchema>;
/** One app's promotion, validated. */
export type PromotionEntry = z.output<typeof PromotionEntrySchema>;
/** One traffic window, validated. */
export type TrafficPoint = z.output<typeof TrafficPointSchema>;
