import { z } from "zod";

/** The two slots of a blue/green app. */
export const SLOTS = ["blue", "green"] as const;
/** A slot name: `blue` or `green`. */
export type Slot = (typeof SLOTS)[number];
/** A slot name on the wire. */
export const SlotSchema = z.enum(SLOTS);

/** The slot that is not `s`. */
export function other(s: Slot): Slot {
  return s === "blue" ? "green" : "blue";
}

/** An app name as the edge accepts it in `EDGE_APPS`, `EDGE_ACTIVE` and the admin API. */
export const AppNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "app names are lower-case words joined by '-'");

/** `EDGE_ACTIVE` as Pulumi first writes it: app → slot. The edge later writes the versioned form (see state.ts). */
export const ActiveMapSchema = z.record(AppNameSchema, SlotSchema);

/**
 * The edge's timing defaults (`EDGE_UPSTREAM_TIMEOUT_MS`, `EDGE_DRAIN_TIMEOUT_MS`, `EDGE_SHUTDOWN_GRACE_MS`), here so
 * the infrastructure derives Render settings from them (`maxShutdownDelaySeconds` in infra/config/defaults.ts)
 * instead of repeating the numbers.
 */
export const EDGE_TIMING_DEFAULTS = { upstreamTimeoutMs: 30_000, drainTimeoutMs: 5_000, shutdownGraceMs: 25_000 } as const;
