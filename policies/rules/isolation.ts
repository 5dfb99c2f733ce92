import { ALPHASTACK_OWNER_ID } from "../../infra/alphastack/identity";
import { isReadOnlyUrl } from "../../infra/config/alphastack-urls";
import { ProtectedSet } from "../lib/protected";
import { isProviderConfig } from "./alphastack";
import { stringsIn } from "../lib/values";
import { describeResource, Environment, notApplicable, ResourceFacts, RuleResult, violations } from "./types";

/**
 * `environment-isolation`: staging and production never refer to each other. Each environment's identifiers are
 * its Render owner, environments, services, env groups, databases and hosts; a staging resource naming any
 * production identifier (or the reverse) is a violation, because a link, an env var or a connection string across
 * environments lets a staging change reach production.
 */

/** Identifiers known to belong to each environment. */
export interface EnvironmentIds {
  production: readonly string[];
  staging: readonly string[];
}

/** The built-in identifiers: the two workspaces (team brief). AlphaStack's ids are production's too. */
export const BUILTIN_ENVIRONMENT_IDS: EnvironmentIds = {
  production: [ALPHASTACK_OWNER_ID],
  staging: ["tea-stackguardstaging000"],
};

/** Settings for {@link environmentIsolation}. */
export interface IsolationSettings {
  environment: Environment;
  ids: EnvironmentIds;
  /** URL prefixes that only read (AlphaStack's status URL): staging's monitoring may probe production's status. */
  readOnlyUrls: readonly string[];
}

const setCache = new Map<string, ProtectedSet>();
/** Production's identifiers (AlphaStack's always included) as a matcher, compiled once per list. */
function productionSet(ids: readonly string[]): ProtectedSet {
  const key = ids.join(",");
  let set = setCache.get(key);
  if (!set) setCache.set(key, (set = new ProtectedSet(ids)));
  return set;
}

export function environmentIsolation(r: ResourceFacts, s: IsolationSettings): RuleResult {
  if (isProviderConfig(r)) return notApplicable("the dynamic provider's inputs are the stack config");
  const other: Environment = s.environment === "production" ? "staging" : "production";
  const otherIds = s.ids[other];
  if (!otherIds.length) return notApplicable(`no ${other} identifiers are known`);
  // ProtectedSet always holds AlphaStack's ids; those are production's, so staging is checked against them too,
  // while production checks only against staging's list.
  const set = other === "production" ? productionSet(otherIds) : undefined;
  const staging = other === "staging" ? new Set(otherIds.map((i) => i.toLowerCase())) : undefined;
  const out: string[] = [];
  for (const at of stringsIn(r.props, new Set(["__provider"]))) {
    const v = at.value.toLowerCase();
    let hits: string[];
    if (staging) {
      hits = [...staging].filter((id) => new RegExp(`(?<![a-z0-9_-])${id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![a-z0-9])`).test(v));
    } else {
      if (isReadOnlyUrl(at.value, s.readOnlyUrls)) continue; // normalized: no `/healthz/../admin`
      hits = set!.mentions(at.value).map((e) => e.token);
    }
    if (hits.length) {
      out.push(
        `${describeResource(r)} in ${s.environment} must not refer to ${other}: ${at.path} contains ${hits.join(", ")}. Use the ${s.environment} counterpart (each environment has its own workspace, services, env groups and database).`,
      );
    }
  }
  return violations(out);
}
