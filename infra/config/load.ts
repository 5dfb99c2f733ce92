import { z } from "zod";
import { StackConfig, StackConfigSchema } from "./schema";

/** Raised before any resource is registered when a stack's config is invalid. Lists every problem at once. */
export class StackConfigError extends Error {
  constructor(
    readonly stackName: string,
    readonly problems: string[],
  ) {
    super(`Invalid config for stack '${stackName}' (Pulumi.${stackName}.yaml):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "StackConfigError";
  }
}

/** The keys of the `stackguard` config namespace, in the order they are read. */
export const CONFIG_KEYS = ["environment", "render", "alphaStack", "apps", "database", "edge", "flags", "logStream"] as const;

/**
 * Turns one zod issue into a sentence that names the stack, the config key and the fix, e.g.
 * `stackguard:apps.api.instances: must be at least 1 (got -1). Fix it in Pulumi.staging.yaml.`
 */
function describeIssue(stack: string, issue: z.core.$ZodIssue, raw: Record<string, unknown>): string {
  const key = `stackguard:${issue.path.map(String).join(".")}`;
  let got: unknown = raw;
  for (const p of issue.path) got = got && typeof got === "object" ? (got as Record<PropertyKey, unknown>)[p as PropertyKey] : undefined;
  const shown = got === undefined ? "missing" : `got ${JSON.stringify(got)?.slice(0, 80)}`;
  let fix = `Fix it in Pulumi.${stack}.yaml`;
  if (issue.code === "invalid_value" && "values" in issue) fix = `Use one of: ${(issue.values as unknown[]).join(", ")}`;
  if (issue.code === "unrecognized_keys") fix = `Remove ${issue.keys.join(", ")} or check the spelling`;
  return `${key}: ${issue.message} (${shown}). ${fix}.`;
}

/**
 * Validates a stack's raw `stackguard:*` config against {@link StackConfigSchema}.
 * @param stack the stack name, used in messages
 * @param raw the config values by key (without the `stackguard:` prefix), already parsed from YAML/JSON
 * @throws StackConfigError naming every invalid key and its fix
 */
export function parseStackConfig(stack: string, raw: Record<string, unknown>): StackConfig {
  const result = StackConfigSchema.safeParse(raw);
  if (result.success) {
    if (result.data.environment !== stack && (stack === "staging" || stack === "production")) {
      throw new StackConfigError(stack, [
        `stackguard:environment: must be '${stack}' for stack '${stack}' (got '${result.data.environment}'). Fix it in Pulumi.${stack}.yaml.`,
      ]);
    }
    return result.data;
  }
  throw new StackConfigError(
    stack,
    result.error.issues.map((i) => describeIssue(stack, i, raw)),
  );
}
