import { secretKeyReason, secretValueShape } from "../lib/secret-shapes";
import { isUnknown, stringsIn } from "../lib/values";
import { describeResource, ResourceFacts, RuleResult, violations } from "./types";

/**
 * `secrets-are-secret`: API keys, tokens, database URLs and passwords never reach the state as plain text.
 *
 * Policies see secrets unwrapped, so secretness comes from elsewhere: the pack's remediation pass (the only place
 * where @pulumi/policy keeps the engine's secret markers, as `Secret` wrappers) records which input paths were
 * secret, and this project's resource classes add a `secretInputs` marker saying whether each secret-bearing field
 * was given as a secret (they wrap the field afterwards, which would hide a plain-text value from the first source).
 */

/** Settings for {@link secretsAreSecret}. */
export interface SecretsSettings {
  /** Paths that were secret in the engine's view (from the remediation pass); undefined when it did not run. */
  secretPaths: ReadonlySet<string> | undefined;
  /** `"<type>:<path>"` entries never treated as secrets. */
  allowPlaintext: readonly string[];
}

/** True when a value tree holds a value not known until the update. */
export function containsUnknown(v: unknown, depth = 0): boolean {
  if (isUnknown(v)) return true;
  if (depth > 32 || !v || typeof v !== "object") return false;
  return Object.values(v as Record<string, unknown>).some((x) => containsUnknown(x, depth + 1));
}

/** True when `path` or one of its ancestors is in `secret`. */
export function underSecret(path: string, secret: ReadonlySet<string>): boolean {
  if (secret.has(path)) return true;
  for (let i = path.length - 1; i > 0; i--) {
    if ((path[i] === "." || path[i] === "[") && secret.has(path.slice(0, i))) return true;
  }
  return false;
}

export function secretsAreSecret(r: ResourceFacts, s: SecretsSettings): RuleResult {
  const who = describeResource(r);
  const out: string[] = [];
  const marker = r.props.secretInputs;
  if (marker && typeof marker === "object" && !Array.isArray(marker)) {
    for (const [field, wasSecret] of Object.entries(marker as Record<string, unknown>)) {
      // A field still unknown at preview (an output of a resource being created) has no secretness yet: the
      // program computes the marker again during the update, when the value exists.
      if (wasSecret === false && !containsUnknown(r.props[field]))
        out.push(
          `${who} must receive ${field} as a Pulumi secret, but it was given in plain text. Wrap it with pulumi.secret(...) or read it with config.requireSecret(...).`,
        );
    }
  }
  for (const at of stringsIn(r.props, new Set(["__provider", "secretInputs"]))) {
    if (at.path.endsWith(" (key)") || !at.value.trim()) continue;
    if (s.allowPlaintext.includes(`${r.type}:${at.path}`)) continue;
    const why = secretValueShape(at.value) ?? secretKeyReason(at.key);
    if (!why) continue;
    if (!s.secretPaths) {
      out.push(
        `${who} must have its secrets checked, but the pack cannot tell whether ${at.path} (${why}) is a secret: run secrets-are-secret at enforcementLevel "remediate" (its default; it changes nothing and only reads the engine's secret markers).`,
      );
    } else if (!underSecret(at.path, s.secretPaths)) {
      out.push(
        `${who} must not take ${at.path} in plain text: it is ${why.startsWith("key name") ? `a credential by its ${why}` : why}. Pass it as a Pulumi secret (pulumi.secret(...) or config.requireSecret(...)).`,
      );
    }
  }
  return violations(out);
}
