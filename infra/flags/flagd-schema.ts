import { MemoryStorage } from "@openfeature/flagd-core";
import type { Logger } from "@openfeature/core";

/** A problem found in a flag document, with the dotted path of the field at fault. */
export interface FlagIssue {
  /** Dotted path such as `flags.new-checkout.variants`. */
  path: string;
  message: string;
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * Validates a flag document against the official flagd flag-definition schema.
 *
 * Why through `MemoryStorage`: no npm package publishes the flagd JSON schema on its own, but
 * `@openfeature/flagd-core` ships it precompiled (ajv standalone code generated from open-feature/flagd-schemas,
 * `flags.json` + `targeting.json`) and applies it in `setConfigurations(config, strictValidation = true)`. `FlagdCore`
 * itself calls that with strict validation off (schema failures are only logged at debug level), so we call the
 * storage directly with it on, and also collect the warnings flagd-core logs for targeting it cannot compile (for
 * example a `$ref` to a missing evaluator), which it would otherwise turn into PARSE_ERROR evaluations at run time.
 */
export function validateWithFlagdSchema(doc: unknown): FlagIssue[] {
  const warnings: string[] = [];
  const logger: Logger = { debug: () => {}, info: () => {}, warn: (m: unknown) => warnings.push(String(m)), error: (m: unknown) => warnings.push(String(m)) };
  try {
    new MemoryStorage(logger).setConfigurations(JSON.stringify(doc), true);
  } catch (err) {
    return issuesFromParseError(err);
  }
  return warnings.map((w) => {
    const key = /flag '([^']+)'/.exec(w)?.[1];
    return {
      path: key ? `flags.${key}.targeting` : "flags",
      message: `${w}: check the JSON Logic and that every {"$ref": …} names an entry of $evaluators`,
    };
  });
}

function issuesFromParseError(err: unknown): FlagIssue[] {
  const message = err instanceof Error ? err.message : String(err);
  const json = message.indexOf(": [");
  if (json >= 0) {
    try {
      return fromAjv(JSON.parse(message.slice(json + 2)) as AjvError[]);
    } catch {
      /* fall through to the plain message */
    }
  }
  const cause = (err as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? cause.message : message;
  const m = /Default variant (\S+) missing/.exec(detail);
  if (m) return [{ path: "flags", message: `defaultVariant '${m[1]}' is not one of the flag's variants` }];
  return [{ path: "flags", message: `not a valid flagd flag set: ${detail}` }];
}

/** Turns ajv's anyOf-heavy output into one readable issue per field. */
function fromAjv(errors: AjvError[]): FlagIssue[] {
  const out = new Map<string, string>();
  const variantTypeFlags = new Set<string>();
  for (const e of errors) {
    const parts = e.instancePath
      .split("/")
      .slice(1)
      .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    // The schema tries boolean, number, string and object variants in turn: report one issue for the flag.
    if (parts[0] === "flags" && parts[2] === "variants" && e.keyword === "type") {
      variantTypeFlags.add(parts[1]!);
      continue;
    }
    if (e.keyword === "anyOf" || e.keyword === "oneOf") continue; // summaries of the errors around them
    const path = parts.join(".") || "(root)";
    let msg = e.message ?? e.keyword;
    if (e.keyword === "additionalProperty" || e.keyword === "additionalProperties") {
      const prop = String(e.params?.additionalProperty ?? "");
      msg = parts.includes("targeting")
        ? `'${prop}' is not a flagd JSON Logic operator (see https://flagd.dev/reference/flag-definitions/#targeting-rules)`
        : `unknown property '${prop}'`;
    } else if (e.keyword === "enum") {
      msg = `must be one of ${JSON.stringify(e.params?.allowedValues)}`;
    }
    if (!out.has(path)) out.set(path, msg);
  }
  const issues: FlagIssue[] = [...variantTypeFlags].map((k) => ({
    path: `flags.${k}.variants`,
    message: "all variants of a flag must have one type: boolean, number, string or object",
  }));
  for (const [path, message] of out) {
    if (![...variantTypeFlags].some((k) => path.startsWith(`flags.${k}.variants`))) issues.push({ path, message });
  }
  return issues.length ? issues : [{ path: "flags", message: "does not match the flagd flag-definition schema" }];
}
