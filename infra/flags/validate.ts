import { FlagSetSchema, offVariantOf, type FlagSet } from "./definition";
import { validateWithFlagdSchema, type FlagIssue } from "./flagd-schema";

export type { FlagIssue } from "./flagd-schema";

/** Thrown for an invalid flag set; `issues` name each field at fault. */
export class FlagValidationError extends Error {
  constructor(public readonly issues: FlagIssue[]) {
    super(`invalid feature flag definition:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join("\n")}`);
    this.name = "FlagValidationError";
  }
}

/**
 * Checks a flag set in three layers, stopping at the first that fails so that messages stay about one thing:
 * our zod model (shape and metadata), the official flagd schema (variant types, JSON Logic), then the rules that
 * need both (the variants a kill switch would force exist).
 */
export function validateFlagSet(input: unknown): { ok: true; value: FlagSet } | { ok: false; issues: FlagIssue[] } {
  const parsed = FlagSetSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join(".") || "(root)", message: i.message })),
    };
  }
  const schemaIssues = validateWithFlagdSchema(parsed.data);
  if (schemaIssues.length) return { ok: false, issues: schemaIssues };
  const issues: FlagIssue[] = [];
  for (const [key, def] of Object.entries(parsed.data.flags)) {
    if (def.metadata.offVariant && !(def.metadata.offVariant in def.variants)) {
      issues.push({
        path: `flags.${key}.metadata.offVariant`,
        message: `'${def.metadata.offVariant}' is not one of the variants (${Object.keys(def.variants).join(", ")})`,
      });
    }
    if (def.metadata.kind === "kill-switch" && !offVariantOf(def)) {
      issues.push({
        path: `flags.${key}.metadata.offVariant`,
        message: "a kill-switch flag must say which variant 'off' forces: add a variant with value false or set metadata.offVariant",
      });
    }
  }
  return issues.length ? { ok: false, issues } : { ok: true, value: parsed.data };
}

/** Like {@link validateFlagSet} but throws a {@link FlagValidationError}. */
export function parseFlagSet(input: unknown): FlagSet {
  const r = validateFlagSet(input);
  if (!r.ok) throw new FlagValidationError(r.issues);
  return r.value;
}
