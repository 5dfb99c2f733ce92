import { commandDigest, UnknownInputError } from "../lib/commands";
import { str } from "../lib/values";
import { describeResource, notApplicable, ResourceFacts, RuleResult, StackContext, violations } from "./types";

/**
 * `production-resource-allowlist` (issue 14 g): in production only the resource types the program is known to use
 * may appear; every `command:*` resource needs an entry with the digest of what it runs (its command lines and the
 * repository scripts they name); a dynamic provider must be a known one, and its code digest (`stackguardProviderDigest`,
 * recorded in each resource's state by infra/providers/dynamic.ts) must be the reviewed one. Provider code is
 * loaded from disk at run time, so a change to it shows no diff: this is where it becomes visible in a preview.
 */

/** `policies/allowlist.json`, merged with the policy config's additions. */
export interface Allowlist {
  resourceTypes: readonly string[];
  commands: ReadonlyArray<{ name: string; sha256: string; reason?: string }>;
  /** Dynamic resource type → `sha256:` of its provider code. */
  providerDigests: Readonly<Record<string, string>>;
}

const DYNAMIC = /^pulumi-nodejs:dynamic\//;
const COMMAND = /^command:/;

export function productionResourceAllowlist(r: ResourceFacts, a: Allowlist, ctx: StackContext, projectRoot: string): RuleResult {
  if (ctx.environment !== "production") return notApplicable("the allowlist applies to production only");
  const who = describeResource(r);
  const out: string[] = [];
  if (!a.resourceTypes.includes(r.type)) {
    out.push(
      DYNAMIC.test(r.type)
        ? `${who} must not use an unknown dynamic provider in production: ${r.type} is not in policies/allowlist.json. Use one of the project's providers (infra/providers), or add the type with its reviewed provider digest.`
        : `${who} must not appear in production: its type ${r.type} is not in policies/allowlist.json (the types the program is known to use). Add it there through a reviewed change if it is intended.`,
    );
  }
  if (COMMAND.test(r.type)) {
    try {
      const { digest, scripts } = commandDigest(r.props, projectRoot);
      const entry = a.commands.find((c) => c.name === r.name);
      const ran = scripts.length ? ` (it runs ${scripts.map((s) => s.path).join(", ")})` : "";
      if (!entry)
        out.push(
          `${who} must have an entry in production's command allowlist: no entry for "${r.name}"${ran}. Add {"name": "${r.name}", "sha256": "${digest}"} to policies/allowlist.json commands through a reviewed change.`,
        );
      else if (entry.sha256 !== digest)
        out.push(
          `${who} must run what its allowlist entry reviewed: what it runs now hashes to ${digest}, the entry says ${entry.sha256}${ran}. Review the command and its scripts, then update the entry.`,
        );
    } catch (e) {
      if (!(e instanceof UnknownInputError)) throw e;
      out.push(
        `${who} must have command lines known at preview in production: a value computed during the update cannot be reviewed or allowlisted. Use literal values.`,
      );
    }
  }
  if (DYNAMIC.test(r.type)) {
    const recorded = a.providerDigests[r.type];
    const digest = str(r.props.stackguardProviderDigest);
    if (recorded && !digest)
      out.push(
        `${who} must record its provider code digest (stackguardProviderDigest): its type's provider is pinned at ${recorded.slice(0, 19)}…. Declare it with the project's resource classes (infra/providers).`,
      );
    else if (digest && !recorded)
      out.push(
        `${who} runs provider code whose digest (${digest}) is not recorded in policies/allowlist.json providerDigests. Review the provider's code and run npm run allowlist.`,
      );
    else if (digest && recorded && digest !== recorded)
      out.push(
        `${who} runs changed provider code: its digest is ${digest}, the reviewed one is ${recorded}. Review the change to infra/providers (it shows no diff on the resource) and run npm run allowlist to record it.`,
      );
  }
  return violations(out);
}
