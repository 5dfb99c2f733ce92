import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";

/**
 * Schemas for everything the pack reads besides the resources: each policy's config (from
 * `--policy-pack-config`), the baseline of AlphaStack references (`baseline.json`), and the stack's own config.
 *
 * A malformed value never degrades to "no config": it raises {@link PolicyConfigError}, which names the policy, the
 * key and the fix. The pack turns that into an error of the preview itself (not a violation that an advisory level
 * could hide), so the pack cannot pass silently because its config failed to load.
 */

/** A config or baseline problem; the message names the file or policy, the key and the fix. */
export class PolicyConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyConfigError";
  }
}

function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.map(String).join(".") : "(root)"}: ${i.message}`).join("; ");
}

/** Parses `raw` with `schema` or throws a {@link PolicyConfigError} naming `where` and every bad key. */
export function parseOrThrow<T extends z.ZodType>(schema: T, raw: unknown, where: string, fix: string): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success) throw new PolicyConfigError(`${where} is invalid: ${issuesText(r.error)}. ${fix}`);
  return r.data;
}

const sha256 = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'must be "sha256:" followed by 64 lower-case hex digits (run npm run baseline)');
const urn = z.string().regex(/^urn:pulumi:[^:]+::[^:]+::.+::.+$/, "must be a Pulumi URN (urn:pulumi:<stack>::<project>::<type>::<name>)");

/** One resource that represents AlphaStack in a stack. */
export const BaselineEntrySchema = z
  .object({
    urn,
    type: z.string().min(1),
    /** The AlphaStack id (or host) the resource stands for. */
    id: z.string().min(1),
    /** `read`: a `.get` reference (the recommended form); `managed`: a resource this stack registers. */
    mode: z.enum(["read", "managed"]),
    /** For `managed`: the pinned fingerprint of its inputs (see lib/canonical.ts). */
    inputsHash: sha256.optional(),
  })
  .strict()
  .refine((e) => e.mode === "read" || e.inputsHash !== undefined, { message: "a managed entry must pin inputsHash", path: ["inputsHash"] });

/** What the baseline knows of one stack. */
export const StackBaselineSchema = z
  .object({
    resources: z.array(BaselineEntrySchema).default([]),
    /** Render ids, owners and hosts of this stack's own resources: the other environment must never refer to them. */
    inventory: z.array(z.string().min(1)).default([]),
    /** Where the entry came from (`pulumi stack export` of <stack> at <time>), for reviewers. */
    source: z.string().optional(),
    /**
     * `sha256:` over the entry's canonical content, the stack name and a fixed domain-separation string, written by
     * `npm run baseline` (lib/baseline-digest.ts): a hand-edited entry (a pin deleted, a hash changed) no longer
     * matches, and `alphastack-baseline-signed` refuses it.
     */
    digest: sha256.optional(),
  })
  .strict();

/** `policies/baseline.json`. */
export const BaselineSchema = z
  .object({
    $comment: z.string().optional(),
    version: z.literal(1),
    stacks: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, "stack names are letters, digits, '-', '_' or '.'"), StackBaselineSchema),
  })
  .strict();

export type BaselineEntry = z.infer<typeof BaselineEntrySchema>;
export type StackBaseline = z.infer<typeof StackBaselineSchema>;
export type Baseline = z.infer<typeof BaselineSchema>;

/**
 * The pack directory (where `baseline.json` and `PulumiPolicy.yaml` live); relative baseline paths resolve against
 * it. Found from this file upwards, because the compiled pack runs from `policies/dist/policies/` (build.js).
 */
export const PACK_DIR = ((): string => {
  for (let d = __dirname, i = 0; i < 4; i++, d = path.dirname(d)) if (fs.existsSync(path.join(d, "PulumiPolicy.yaml"))) return d;
  return __dirname;
})();

const baselineCache = new Map<string, { mtimeMs: number; value: Baseline }>();

/**
 * Reads and validates a baseline file. Throws a {@link PolicyConfigError} naming the file and key when it is
 * missing, not JSON or not of the schema.
 */
export function readBaselineFile(file: string): Baseline {
  const abs = path.resolve(PACK_DIR, file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch {
    throw new PolicyConfigError(`baseline file ${abs} does not exist: restore policies/baseline.json from git or run npm run baseline -- --stack <stack>.`);
  }
  const hit = baselineCache.get(abs);
  if (hit && hit.mtimeMs === stat.mtimeMs) return hit.value;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(abs, "utf8"));
  } catch (e) {
    throw new PolicyConfigError(`baseline file ${abs} is not valid JSON (${(e as Error).message}): fix it or regenerate it with npm run baseline.`);
  }
  const value = parseOrThrow(BaselineSchema, raw, `baseline file ${abs}`, "Fix the key or regenerate the file with npm run baseline -- --stack <stack>.");
  baselineCache.set(abs, { mtimeMs: stat.mtimeMs, value });
  return value;
}

/** Config shared by the two baseline policies: an inline baseline, or a file (default `baseline.json`). */
export const BaselineConfigSchema = z
  .object({
    /** Path of the baseline file, relative to the pack directory. */
    baselineFile: z.string().min(1).default("baseline.json"),
    /** An inline baseline (used instead of the file), e.g. by test scenarios. */
    baseline: BaselineSchema.optional(),
  })
  .strict();

/**
 * The baseline a policy should use, from its parsed config: the inline one (test stacks), else always the committed
 * `baseline.json`. A `baselineFile` override is ignored here (it would let a config swap the pins out) and reported
 * by `alphastack-baseline-signed` (issue 14 e).
 */
export function baselineFrom(cfg: z.infer<typeof BaselineConfigSchema>): Baseline {
  return cfg.baseline ?? readBaselineFile("baseline.json");
}

/** The entries and inventory for one stack (empty when the baseline does not know the stack). */
export function stackBaseline(b: Baseline, stack: string): StackBaseline {
  return b.stacks[stack] ?? { resources: [], inventory: [] };
}

/** `alphastack-frozen`'s config. */
export const FreezeConfigSchema = z
  .object({
    /** More ids, hosts or names to protect, added to the built-in AlphaStack set. */
    extraProtected: z.array(z.string().min(1)).default([]),
    /**
     * URL prefixes that are read-only references to AlphaStack (a status probe). Defaults to the engine's status URL
     * built from `stackguard:alphaStack` (`https://<domain><statusPath>`).
     */
    readOnlyUrls: z.array(z.string().url()).default([]),
    /** The project root (repository scripts run by commands are scanned), relative to the pack directory. */
    projectRoot: z.string().min(1).default(".."),
  })
  .strict();

/** `environment-isolation`'s config: extra ids of each environment. */
export const IsolationConfigSchema = z
  .object({
    production: z.array(z.string().min(1)).default([]),
    staging: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** One reviewed break-glass entry: allows `force` on one app's traffic switch until `expires`. */
export const BreakGlassSchema = z
  .object({
    app: z.string().min(1),
    reason: z.string().min(10, "must say why (at least 10 characters)"),
    /** Who asked for it. */
    requestedBy: z.string().min(1),
    /** Who reviewed it: a different person than requestedBy. */
    reviewer: z.string().min(1),
    /** ISO 8601 time after which the entry no longer applies. */
    expires: z.string().datetime({ offset: true, message: "must be an ISO 8601 time such as 2026-11-27T12:00:00Z" }),
  })
  .strict()
  .refine((b) => b.reviewer.trim().toLowerCase() !== b.requestedBy.trim().toLowerCase(), {
    message: "reviewer must be someone other than requestedBy",
    path: ["reviewer"],
  });

export const BreakGlassConfigSchema = z
  .object({
    breakGlass: z.array(BreakGlassSchema).default([]),
    /** Longest window one entry may cover, in hours: a far-off expiry would make break-glass permanent. */
    maxValidityHours: z.number().positive().max(168).default(24),
  })
  .strict();

export type BreakGlass = z.infer<typeof BreakGlassSchema>;

/** `secrets-are-secret`'s config. */
export const SecretsConfigSchema = z
  .object({
    /** Input paths (`type:path`, e.g. `render:Service:name`) never treated as secrets. */
    allowPlaintext: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** `production-requires-promotion`'s config. */
export const PromotionConfigSchema = z
  .object({
    /** A plan older than this is stale: preview again. */
    maxPlanAgeHours: z.number().positive().max(168).default(24),
  })
  .strict();

/** The migration policies' config. */
export const MigrationsConfigSchema = z
  .object({
    /** The project root, relative to the pack directory. */
    projectRoot: z.string().min(1).default(".."),
    /** The migrations directory, relative to the project root. */
    migrationsDir: z.string().min(1).default("migrations"),
  })
  .strict();

/** `service-plan-matches-metrics`'s config. */
export const MetricsConfigSchema = z
  .object({
    /** The guardian's utilisation summary (relative to the project root); the policy is not applicable without it. */
    metricsFile: z.string().min(1).default(".stackguard/guardian/utilisation.json"),
    /** p95 CPU and memory both below this percentage of the plan: the plan is far above what is used. */
    lowPercent: z.number().min(1).max(100).default(20),
    /** p95 CPU or memory above this percentage: the plan is far below what is needed. */
    highPercent: z.number().min(1).max(100).default(85),
    /** Fewer samples than this: no advice (too little data). */
    minSamples: z.number().int().min(1).default(100),
  })
  .strict()
  .refine((c) => c.lowPercent < c.highPercent, { message: "lowPercent must be below highPercent", path: ["lowPercent"] });

/** The guardian's utilisation summary read by `service-plan-matches-metrics`. */
export const UtilisationSchema = z
  .object({
    generatedAt: z.string(),
    services: z.record(
      z.string(),
      z.object({ cpuP95Percent: z.number().min(0), memoryP95Percent: z.number().min(0), samples: z.number().int().min(0) }).strict(),
    ),
  })
  .strict();
export type Utilisation = z.infer<typeof UtilisationSchema>;

/**
 * The JSON Schema the engine validates a policy's `--policy-pack-config` entry against (and fills defaults from),
 * derived from the zod schema so the two cannot disagree. Regex `pattern`s and `format`s are left to zod: the
 * engine compiles patterns with Go's RE2, which lacks some of the constructs zod emits.
 */
export function engineSchema(schema: z.ZodType): { properties: Record<string, unknown>; required?: string[] } {
  const js = z.toJSONSchema(schema, { target: "draft-7", io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, unknown>;
    required?: string[];
  };
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (!v || typeof v !== "object") return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === "pattern" || k === "format" || k === "$schema" || k === "propertyNames") continue;
      out[k] = strip(x);
    }
    return out;
  };
  return { properties: strip(js.properties ?? {}) as Record<string, unknown>, ...(js.required?.length ? { required: js.required } : {}) };
}

/** The enforcement levels a `--policy-pack-config` entry may give. */
const LEVEL = z.enum(["advisory", "mandatory", "remediate", "disabled"]);

/**
 * Checks a `--policy-pack-config` file's shape before the engine sees it: the engine silently ignores an entry whose
 * policy name it does not know (a typo would switch nothing on), so every key must be `all` or a policy of the pack,
 * and every value a level or an object. Per-policy settings are then validated by each policy's own schema.
 */
export function checkPackConfig(raw: unknown, policyNames: readonly string[], where: string): void {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new PolicyConfigError(`${where} must be a JSON object keyed by policy name.`);
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key !== "all" && !policyNames.includes(key)) {
      throw new PolicyConfigError(
        `${where}: "${key}" is not a policy of the stackguard pack, so the engine would ignore it. Use one of: all, ${policyNames.join(", ")}.`,
      );
    }
    const ok =
      LEVEL.safeParse(value).success ||
      (!!value &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        (!("enforcementLevel" in value) || LEVEL.safeParse((value as { enforcementLevel: unknown }).enforcementLevel).success));
    if (!ok)
      throw new PolicyConfigError(
        `${where}: "${key}" must be an enforcement level (advisory, mandatory, remediate, disabled) or an object with an optional enforcementLevel.`,
      );
  }
}

/** `policies/allowlist.json`: production's resource types, command digests and provider code digests (issue 14 g). */
export const AllowlistFileSchema = z
  .object({
    $comment: z.string().optional(),
    version: z.literal(1),
    resourceTypes: z.array(z.string().min(1)),
    commands: z.array(z.object({ name: z.string().min(1), sha256, reason: z.string().optional() }).strict()).default([]),
    providerDigests: z.record(z.string().regex(/^pulumi-nodejs:dynamic\//, "keys are dynamic resource types"), sha256).default({}),
  })
  .strict();
export type AllowlistFile = z.infer<typeof AllowlistFileSchema>;

/** Reads and validates `policies/allowlist.json` (always the committed file: no config can point elsewhere). */
let lastAllowlist: { stamp: string; file: AllowlistFile } | undefined;

/** `policies/allowlist.json`, validated; re-read only when the file changed (every production resource asks for it). */
export function readAllowlistFile(): AllowlistFile {
  const abs = path.join(PACK_DIR, "allowlist.json");
  let stamp = "";
  try {
    const st = fs.statSync(abs);
    stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
  } catch {
    // Reported by the read below.
  }
  if (stamp && lastAllowlist?.stamp === stamp) return lastAllowlist.file;
  const file = parseAllowlistFile(abs);
  if (stamp) lastAllowlist = { stamp, file };
  return file;
}

function parseAllowlistFile(abs: string): AllowlistFile {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(abs, "utf8"));
  } catch (e) {
    throw new PolicyConfigError(
      `allowlist file ${abs} cannot be read as JSON (${(e as Error).message}): restore policies/allowlist.json from git or run npm run allowlist.`,
    );
  }
  return parseOrThrow(AllowlistFileSchema, raw, `allowlist file ${abs}`, "Fix the key or regenerate the file with npm run allowlist.");
}

/** `production-resource-allowlist`'s config: additions for test stacks (reviewed like every config change). */
export const AllowlistConfigSchema = z
  .object({
    /** The project root (where command scripts are looked up), relative to the pack directory. */
    projectRoot: z.string().min(1).default(".."),
    /** More resource types allowed (e.g. a test stack's marker resource). */
    extraTypes: z.array(z.string().min(1)).default([]),
    /** More command entries (`{name, sha256}`). */
    commands: z.array(z.object({ name: z.string().min(1), sha256, reason: z.string().optional() }).strict()).default([]),
  })
  .strict();
