import { z } from "zod";

/**
 * The kinds of flag this project knows, after Martin Fowler's flag categories. The kind decides how long a flag may
 * live before `preview` reports it as stale (see `lifetime.ts`) and how a kill switch treats it.
 */
export const FLAG_KINDS = ["release", "experiment", "operational", "kill-switch"] as const;
/** One of {@link FLAG_KINDS}. */
export type FlagKind = (typeof FLAG_KINDS)[number];

/** Flag keys appear in OFREP URL paths and admin URLs, so they are restricted to URL-safe characters. */
export const FLAG_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:\d{2}))?$/, "must be an ISO date such as 2026-11-01")
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be a real calendar date");

/**
 * Our metadata, carried in flagd's own per-flag `metadata` object so that a definition stays a plain flagd flag
 * (flagd's schema allows only string, number and boolean metadata values, which these all are) and OFREP returns it
 * to clients as flag metadata.
 */
export const FlagMetadataSchema = z
  .object({
    /** What the flag is for; decides its lifetime. */
    kind: z.enum(FLAG_KINDS),
    /** The team or person who removes the flag when it is done (shown in stale-flag warnings). */
    owner: z.string().min(1, "must name the owner (a team or a person)"),
    /** When the flag was introduced; its age counts from here. */
    createdAt: isoDate,
    /** Optional explicit end of life; wins over the kind's default lifetime. */
    expiresAt: isoDate.optional(),
    description: z.string().optional(),
    /** The variant a kill switch forces when the flag is turned off (defaults to the variant whose value is `false`). */
    offVariant: z.string().min(1).optional(),
  })
  .catchall(z.union([z.string(), z.number(), z.boolean()]));

/** JSON values (flagd variants may be booleans, numbers, strings or objects; flagd's schema checks which). */
const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

/**
 * One flag in flagd's definition format (https://flagd.dev/reference/flag-definitions/) with our required metadata.
 * Structural checks live here; the official flagd schema (variant types, JSON Logic operators) is applied on top by
 * `validateFlagSet`.
 */
export const FlagDefinitionSchema = z
  .object({
    state: z.enum(["ENABLED", "DISABLED"]),
    /** Variant name → value; all values of one flag share one type. */
    variants: z.record(z.string().min(1), jsonValue).refine((v) => Object.keys(v).length > 0, "must declare at least one variant"),
    /** The variant served when targeting is absent or returns null. */
    defaultVariant: z.string().min(1),
    /** A JSON Logic rule returning a variant name; may use flagd's `fractional`, `sem_ver`, `starts_with`, `ends_with` and `$ref`. */
    targeting: z.record(z.string(), z.unknown()).optional(),
    metadata: FlagMetadataSchema,
  })
  .strict();

/** A flag set: flagd's top-level document (`flags`, shared `$evaluators`, optional set `metadata`). */
export const FlagSetSchema = z
  .object({
    $schema: z.string().optional(),
    flags: z.record(z.string().regex(FLAG_KEY_PATTERN, "flag keys use letters, digits, '.', '_' and '-' (max 128)"), FlagDefinitionSchema),
    /** Shared JSON Logic fragments, referenced from targeting as `{ "$ref": "<name>" }`. */
    $evaluators: z.record(z.string().min(1), z.unknown()).optional(),
    metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict();

/** Our per-flag metadata. */
export type FlagMetadata = z.infer<typeof FlagMetadataSchema>;
/** A validated flag (flagd format + our metadata). */
export type FlagDefinition = z.infer<typeof FlagDefinitionSchema>;
/** A validated flag set. */
export type FlagSet = z.infer<typeof FlagSetSchema>;

/** The value type of a flag, from its variants (flagd's schema guarantees they agree). */
export type FlagType = "boolean" | "string" | "number" | "object";

/** The type of a validated flag's values. */
export function flagType(def: Pick<FlagDefinition, "variants">): FlagType {
  const first = Object.values(def.variants)[0];
  const t = typeof first;
  return t === "boolean" || t === "string" || t === "number" ? t : "object";
}

/** The variant a kill switch forces for `off`: the declared `offVariant`, else the variant whose value is `false`. */
export function offVariantOf(def: FlagDefinition): string | undefined {
  if (def.metadata.offVariant) return def.metadata.offVariant;
  return Object.entries(def.variants).find(([, v]) => v === false)?.[0];
}
