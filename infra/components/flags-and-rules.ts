import * as pulumi from "@pulumi/pulumi";
import { defaultRules, type DefaultRuleTargets } from "../alerts/defaults";
import type { StackConfig } from "../config/schema";
import { AlertRule, FeatureFlag } from "../providers";
import type { EdgeRouter } from "./edge-router";
import { movedFromStackRoot } from "./moved";

/** Inputs of {@link FlagsAndRules}. */
export interface FlagsAndRulesArgs {
  environment: StackConfig["environment"];
  /** The stack's `flags` (flagd definitions with our metadata). */
  flags: StackConfig["flags"];
  /** What the default alert rules watch (infra/alerts/defaults.ts `targetsFromStackConfig`). */
  targets: DefaultRuleTargets;
  edge: EdgeRouter;
}

/**
 * The feature flags of the stack config and the default alert rules (`stackguard:components:FlagsAndRules`), stored
 * on the edge through its admin API. The token goes to their providers as a secret input (encrypted in state), so
 * every `up`, `preview` and `refresh` manages them with no extra step.
 */
export class FlagsAndRules extends pulumi.ComponentResource {
  constructor(name: string, args: FlagsAndRulesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stackguard:components:FlagsAndRules", name, {}, opts);
    const edgeAdmin = { edgeUrl: args.edge.connection.url, adminToken: args.edge.connection.adminToken };
    const child = { ...movedFromStackRoot(this), dependsOn: args.edge.connection.routed };
    for (const rule of defaultRules(args.environment, args.targets)) new AlertRule(`alert-${rule.name}`, { rule, ...edgeAdmin }, child);
    for (const [key, definition] of Object.entries(args.flags)) new FeatureFlag(`flag-${key}`, { key, definition, ...edgeAdmin }, child);
    this.registerOutputs({});
  }
}
