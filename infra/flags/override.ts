import { z } from "zod";
import { offVariantOf, type FlagDefinition } from "./definition";

/**
 * A kill-switch override set at run time through the edge's admin API (`npm run flag -- off <key>`), persisted by
 * the edge, and reported to Pulumi by the FeatureFlag provider's `read`/`diff` so that `pulumi up` never undoes it
 * silently.
 *
 * - `off`: serve the flag's off variant (`metadata.offVariant`, else the variant whose value is `false`) to everyone,
 *   ignoring targeting. A flag with no off variant is disabled instead, so apps fall back to their code default.
 * - `on`: serve the declared definition with `state: ENABLED`. It never forces a variant, so turning a flag back on
 *   can never widen a rollout beyond what the stack declares.
 */
export const FlagOverrideSchema = z
  .object({
    state: z.enum(["off", "on"]),
    /** When it was set (ISO). */
    at: z.string().datetime({ offset: true }),
    /** Who set it (a user or `guardian:<rule>`); free text, never a credential. */
    by: z.string().max(200).optional(),
    reason: z.string().max(500).optional(),
  })
  .strict();

/** A live kill-switch override. */
export type FlagOverride = z.infer<typeof FlagOverrideSchema>;

/** Flag key → override. */
export const FlagOverridesSchema = z.record(z.string(), FlagOverrideSchema);

/**
 * The flagd definition actually served for `def` under `override`: still a plain flagd flag, so evaluation stays
 * entirely inside flagd-core. `metadata.override` tells clients (and OFREP responses) that an override is active.
 */
export function applyOverride(def: FlagDefinition, override: FlagOverride | undefined): FlagDefinition {
  if (!override) return def;
  const metadata = { ...def.metadata, override: override.state };
  if (override.state === "on") return { ...def, state: "ENABLED", metadata };
  const off = offVariantOf(def);
  if (!off) return { ...def, state: "DISABLED", metadata };
  const { targeting: _dropped, ...rest } = def;
  return { ...rest, state: "ENABLED", defaultVariant: off, metadata };
}

/**
 * Whether the declared definition already behaves as the override does, i.e. config has caught up with reality
 * and the override is redundant (the FeatureFlag provider then clears it on `pulumi up`).
 */
export function overrideMatchesDeclared(def: FlagDefinition, override: FlagOverride): boolean {
  if (override.state === "on") return def.state === "ENABLED";
  if (def.state === "DISABLED") return true;
  const off = offVariantOf(def);
  return off !== undefined && def.defaultVariant === off && (!def.targeting || Object.keys(def.targeting).length === 0);
}
