import { z } from "zod";
import { ActiveMapSchema, SlotSchema } from "./slots";

/** How many events the state document keeps (it lives in an env var, so it stays small). */
export const MAX_EVENTS = 50;

/** How many ancestor ids a document carries (enough to recognise any write of the last minutes as included). */
export const MAX_LINEAGE = 64;

/** A verdict on a slot: the last analysis reported to the edge (by a promotion) or made by the edge itself. */
export const VerdictSchema = z.object({
  phase: z.enum(["Successful", "Failed", "Inconclusive"]),
  reason: z.string().max(500),
  at: z.string(),
  by: z.string(),
});

/** Something that changed traffic or a slot's standing. */
export const EdgeEventSchema = z.object({
  at: z.string(),
  kind: z.enum(["switch", "auto-rollback", "analysis"]),
  app: z.string(),
  from: SlotSchema.optional(),
  to: SlotSchema.optional(),
  slot: SlotSchema.optional(),
  forced: z.boolean().optional(),
  reason: z.string().max(500),
  by: z.string(),
  version: z.number().int(),
});

/**
 * The edge's shared state: persisted (Key Value, Render env var `EDGE_ACTIVE`, or a file), replicated to every
 * instance, and ordered by `version` (then `updatedAt`, then `by`) so that every instance converges on the same
 * document. Its transitions live with the edge (`apps/edge/state.ts`); this is the shape on the wire
 * (`GET /__edge/internal/state`) and the one extensions see.
 */
export const EdgeStateSchema = z.object({
  version: z.number().int().nonnegative(),
  updatedAt: z.string(),
  by: z.string(),
  active: ActiveMapSchema,
  verdicts: z.record(z.string(), z.object({ blue: VerdictSchema.optional(), green: VerdictSchema.optional() })).default({}),
  events: z.array(EdgeEventSchema).default([]),
  /** Sections owned by edge extensions (e.g. flag overrides), replicated and persisted with the rest. */
  ext: z.record(z.string(), z.unknown()).default({}),
  /**
   * This document's identity, `parent` the id of the document it was made from, `lineage` the ids of its last
   * {@link MAX_LINEAGE} ancestors: a peer accepts a push only when it extends the document it holds (`parent`), and
   * a writer knows its write survived a concurrent one when a later document lists it in `lineage`. Absent in
   * documents written before these fields existed (then the edge derives `id`).
   */
  id: z.string().max(80).optional(),
  parent: z.string().max(80).optional(),
  lineage: z.array(z.string().max(80)).max(MAX_LINEAGE).optional(),
});

/** A verdict on a slot. */
export type Verdict = z.infer<typeof VerdictSchema>;
/** One entry of the state's event log. */
export type EdgeEvent = z.infer<typeof EdgeEventSchema>;
/** The edge's shared state document. */
export type EdgeState = z.output<typeof EdgeStateSchema>;
