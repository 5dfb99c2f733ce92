import type { Props } from "../lib/values";

/**
 * The contract every rule follows (after cdk-nag): a pure function from facts to a result. Rules import nothing
 * from @pulumi/policy, so they run under the root jest; `pack/` adapts them to CrossGuard policies.
 */

/** Outcome of one rule on one resource or stack. */
export type RuleResult = { status: "compliant" } | { status: "not-applicable"; reason: string } | { status: "non-compliant"; messages: string[] };

export const compliant: RuleResult = { status: "compliant" };
export const notApplicable = (reason: string): RuleResult => ({ status: "not-applicable", reason });
/** Non-compliant with the given messages, or compliant when there are none. */
export const violations = (messages: string[]): RuleResult => (messages.length ? { status: "non-compliant", messages: [...new Set(messages)] } : compliant);

/** The deployment environment a stack belongs to. */
export type Environment = "staging" | "production";

/** Where the policies run: which stack, which environment, preview or update. */
export interface StackContext {
  stack: string;
  environment: Environment;
  /** True during `pulumi preview`, false during `up`; undefined when the engine did not say. */
  dryRun: boolean | undefined;
}

/** What a resource policy sees of one resource: its new inputs (after the provider's check) and options. */
export interface ResourceFacts {
  urn: string;
  type: string;
  /** The logical name (last URN segment). */
  name: string;
  props: Props;
  opts: { protect: boolean; ignoreChanges: string[] };
}

/** What a stack policy sees of one resource: its outputs in the new state (deleted resources are absent). */
export interface StackResourceFacts {
  urn: string;
  type: string;
  name: string;
  props: Props;
  opts: { protect: boolean; ignoreChanges: string[] };
}

/** A readable handle for a resource in messages: `render:EnvVars "engine-env"`. */
export function describeResource(r: { type: string; name: string }): string {
  const short = r.type.replace(/^pulumi-nodejs:dynamic\//, "");
  return `${short} "${r.name}"`;
}

/** Render service-like types from this project's dynamic providers. */
export const TYPES = {
  service: "pulumi-nodejs:dynamic/render:Service",
  envGroup: "pulumi-nodejs:dynamic/render:EnvGroup",
  envGroupLink: "pulumi-nodejs:dynamic/render:EnvGroupLink",
  envVars: "pulumi-nodejs:dynamic/render:EnvVars",
  secretFiles: "pulumi-nodejs:dynamic/render:SecretFiles",
  customDomain: "pulumi-nodejs:dynamic/render:CustomDomain",
  postgres: "pulumi-nodejs:dynamic/render:Postgres",
  postgresExport: "pulumi-nodejs:dynamic/render:PostgresExport",
  keyValue: "pulumi-nodejs:dynamic/render:KeyValue",
  trafficSwitch: "pulumi-nodejs:dynamic/stackguard:TrafficSwitch",
  featureFlag: "pulumi-nodejs:dynamic/stackguard:FeatureFlag",
  alertRule: "pulumi-nodejs:dynamic/stackguard:AlertRule",
  localCommand: "command:local:Command",
  remoteCommand: "command:remote:Command",
  stack: "pulumi:pulumi:Stack",
} as const;

export type { Props };
