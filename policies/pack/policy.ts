import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { z } from "zod";
import { engineSchema, parseOrThrow } from "../config";
import { stackContext } from "../lib/context";
import type { ResourceFacts, RuleResult, StackContext, StackResourceFacts } from "../rules/types";
import { factsOf } from "./facts";

/**
 * Turns pure rules into CrossGuard policies (after pulumi-policy-aws: each policy is made by a factory with checked
 * arguments and defaults). The policy's config is checked with its zod schema on every call, so a bad
 * `--policy-pack-config` entry fails the preview with the policy and key named, whatever the enforcement level; a
 * config already parsed (the same JSON) is reused, since the engine sends the same one with every resource.
 */

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;

/** Each built policy's zod config schema, by name: lets tools validate a config file exactly as the pack will. */
export const CONFIG_SCHEMAS = new Map<string, z.ZodType>();

/** Arguments every policy factory takes. */
export interface PolicyArgs {
  /** Overrides the policy's default level (the `--policy-pack-config` file overrides both). */
  enforcementLevel?: EnforcementLevel;
}

/** Checks a factory's arguments: an unknown level is a programming error, reported at pack load. */
export function checkArgs(name: string, args: PolicyArgs | undefined, fallback: EnforcementLevel): EnforcementLevel {
  const level = args?.enforcementLevel ?? fallback;
  if (!LEVELS.includes(level)) throw new Error(`policy ${name}: enforcementLevel must be one of ${LEVELS.join(", ")} (got ${String(level)})`);
  return level;
}

function report(result: RuleResult, reportViolation: ReportViolation, notApplicable: (reason: string) => never, urn?: string): void {
  if (result.status === "non-compliant") for (const m of result.messages) reportViolation(m, urn);
  else if (result.status === "not-applicable") notApplicable(result.reason);
}

/** Definition of a resource policy built from a rule. */
export interface ResourceRuleSpec<C extends z.ZodType> {
  name: string;
  description: string;
  level: EnforcementLevel;
  config: C;
  rule: (facts: ResourceFacts, config: z.infer<C>, ctx: StackContext) => RuleResult;
  /** For `remediate`-level policies that only observe: called with the remediation args, returns nothing. */
  observe?: (args: ResourceValidationArgs) => void;
}

/**
 * Parses a policy's config, reusing the last result while the config's JSON is the same. Failures are not kept: a
 * bad config is reported on every call.
 */
function configParser<C extends z.ZodType>(schema: C, policy: string, fix: string): (raw: unknown) => z.infer<C> {
  let last: { json: string; value: z.infer<C> } | undefined;
  return (raw) => {
    const json = JSON.stringify(raw) ?? "undefined";
    if (last?.json === json) return last.value;
    const value = parseOrThrow(schema, raw, `the --policy-pack-config entry for policy '${policy}'`, fix);
    last = { json, value };
    return value;
  };
}

export function resourcePolicy<C extends z.ZodType>(spec: ResourceRuleSpec<C>): ResourceValidationPolicy {
  const parse = configParser(spec.config, spec.name, "Fix that key in the policy config file (e.g. policies/config/<stack>.json).");
  CONFIG_SCHEMAS.set(spec.name, spec.config);
  const policy: ResourceValidationPolicy = {
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.level,
    configSchema: engineSchema(spec.config) as PolicyConfigSchema,
    validateResource: (args, reportViolation) => {
      const cfg = parse(args.getConfig<object>());
      const ctx = stackContext(args.urn);
      report(spec.rule(factsOf(args), cfg, ctx), reportViolation, args.notApplicable);
    },
  };
  if (spec.observe) {
    const observe = spec.observe;
    policy.remediateResource = (args) => {
      observe(args);
      return undefined;
    };
  }
  return policy;
}

/** Definition of a stack policy built from a rule. */
export interface StackRuleSpec<C extends z.ZodType> {
  name: string;
  description: string;
  level: EnforcementLevel;
  config: C;
  rule: (resources: StackResourceFacts[], config: z.infer<C>, ctx: StackContext) => RuleResult;
}

export function stackPolicy<C extends z.ZodType>(spec: StackRuleSpec<C>): StackValidationPolicy {
  const parse = configParser(spec.config, spec.name, "Fix that key in the policy config file.");
  CONFIG_SCHEMAS.set(spec.name, spec.config);
  return {
    name: spec.name,
    description: spec.description,
    enforcementLevel: spec.level,
    configSchema: engineSchema(spec.config) as PolicyConfigSchema,
    validateStack: (args: StackValidationArgs, reportViolation) => {
      const cfg = parse(args.getConfig<object>());
      const resources = args.resources.map(factsOf);
      const ctx = stackContext(resources[0]?.urn);
      report(spec.rule(resources, cfg, ctx), reportViolation, args.notApplicable);
    },
  };
}
