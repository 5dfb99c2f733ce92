import type { Environment, StackContext } from "../rules/types";
import { PolicyConfigError } from "../config";
import { parseUrn } from "./values";

/**
 * Where the pack runs, from what the engine gives the policy process: `PULUMI_NODEJS_STACK`,
 * `PULUMI_NODEJS_DRY_RUN` and `PULUMI_CONFIG` (the stack's config, exported by the Node language host when it
 * starts a policy pack), with the stack name of each URN as a cross-check.
 */

/** The stack's config values (`stackguard:*` and others) as the engine passed them; structured values are JSON. */
export type StackConfigValues = Record<string, string>;

let lastConfig: { raw: string; values: StackConfigValues } | undefined;

/**
 * Parses `PULUMI_CONFIG` (a JSON object of `<namespace>:<key>` → string). Missing or malformed → empty. The result is
 * shared while the text is the same (read-only: frozen), since every resource's analysis asks for it.
 */
export function stackConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StackConfigValues {
  const raw = env.PULUMI_CONFIG;
  if (!raw) return {};
  if (lastConfig?.raw === raw) return lastConfig.values;
  const values = Object.freeze(parseStackConfig(raw));
  lastConfig = { raw, values };
  return values;
}

function parseStackConfig(raw: string): StackConfigValues {
  try {
    const v = JSON.parse(raw) as unknown;
    if (!v || typeof v !== "object" || Array.isArray(v)) return {};
    const out: StackConfigValues = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === "string") out[k] = x;
    return out;
  } catch {
    return {};
  }
}

/** A structured config value (`stackguard:alphaStack`), parsed from its JSON text; undefined when absent or not JSON. */
export function configObject(cfg: StackConfigValues, key: string): unknown {
  const text = cfg[key];
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The environment of a stack. The stacks named `staging` and `production` are those environments, whatever the
 * config says (a config that disagrees is an error: someone is trying to run production under staging's rules).
 * Any other stack (a test or preview stack) takes `stackguard:environment` from its config; without one it is
 * treated as production, so that a stack nobody classified gets the strictest rules.
 */
export function resolveEnvironment(stack: string, configured: string | undefined): Environment {
  const byName: Environment | undefined = stack === "production" || stack === "staging" ? stack : undefined;
  if (configured !== undefined && configured !== "staging" && configured !== "production") {
    throw new PolicyConfigError(
      `stack config stackguard:environment is "${configured}": it must be "staging" or "production" (set it in Pulumi.${stack}.yaml).`,
    );
  }
  if (byName && configured && configured !== byName) {
    throw new PolicyConfigError(
      `stack config stackguard:environment is "${configured}" but the stack is named "${byName}": set stackguard:environment: ${byName} in Pulumi.${byName}.yaml.`,
    );
  }
  return byName ?? (configured as Environment | undefined) ?? "production";
}

/** Builds the {@link StackContext} for a resource (or the stack) with the given URN. */
export function stackContext(urn: string | undefined, env: NodeJS.ProcessEnv = process.env, cfg: StackConfigValues = stackConfigFromEnv(env)): StackContext {
  const fromUrn = urn ? parseUrn(urn).stack : undefined;
  const stack = env.PULUMI_NODEJS_STACK || fromUrn || "";
  if (!stack)
    throw new PolicyConfigError(
      "the policy pack cannot tell which stack it is checking (no PULUMI_NODEJS_STACK and no URN): run it through pulumi preview/up.",
    );
  const configured = cfg["stackguard:environment"];
  const dry = env.PULUMI_NODEJS_DRY_RUN;
  return {
    stack,
    environment: resolveEnvironment(stack, configured),
    dryRun: dry === "true" ? true : dry === "false" ? false : undefined,
  };
}
