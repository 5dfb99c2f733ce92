import { EDGE_STATE_KV_SUFFIX } from "../../infra/config/edge-state";
import { isUnknown, str } from "../lib/values";
import { describeResource, Environment, notApplicable, ResourceFacts, RuleResult, TYPES, violations } from "./types";

/**
 * `edge-state-key-value` (issue 15 item 5): the Render Key Value instance that holds the edge's shared state (active
 * slots, flags, kill-switch overrides), recognised by its Render name ending in {@link EDGE_STATE_KV_SUFFIX}.
 *
 * - `maxmemoryPolicy: "noeviction"`: under memory pressure any other policy deletes keys, and a deleted kill switch
 *   or slot silently falls back to its default; with `noeviction` a full instance refuses writes instead (loud).
 *   Unset is refused too: it leaves the policy to Render's default, which nothing here pins (the simulator's evicts).
 * - no `ipAllowList` entry: the state is read and written over Render's private network only.
 * - not the `free` plan in production: it has no persistence, so a restart loses every switch.
 */
export function edgeStateKeyValueSafe(r: ResourceFacts, environment: Environment): RuleResult {
  if (r.type !== TYPES.keyValue) return notApplicable("not a Render Key Value instance");
  if (isUnknown(r.props.name)) return notApplicable("its name is not known yet");
  const name = str(r.props.name);
  if (!name || !name.endsWith(EDGE_STATE_KV_SUFFIX)) return notApplicable(`not the edge's state (name does not end in ${EDGE_STATE_KV_SUFFIX})`);
  const who = `${describeResource(r)} (${name}, the edge's shared state)`;
  const out: string[] = [];

  const policy = r.props.maxmemoryPolicy;
  if (!isUnknown(policy) && policy !== "noeviction") {
    const now = policy === undefined ? "unset (left to Render's default)" : `"${String(policy)}"`;
    out.push(
      `${who} must set maxmemoryPolicy: "noeviction", not ${now}: evicting keys would silently reset active slots, flags and kill switches. Set maxmemoryPolicy: "noeviction" (a full instance then refuses writes, loudly).`,
    );
  }

  const allow = r.props.ipAllowList;
  if (Array.isArray(allow) && allow.length > 0) {
    const cidrs = allow.map((c) => (c && typeof c === "object" ? str((c as Record<string, unknown>).cidrBlock) : undefined) ?? "?").join(", ");
    out.push(
      `${who} must not have ipAllowList entries (${cidrs}): the edge's state is reached over Render's private network only. Remove them (ipAllowList: []).`,
    );
  }

  if (environment === "production" && r.props.plan === "free") {
    out.push(
      `${who} must not use the free plan in production: it has no persistence, so a restart would lose every kill switch and slot. Use plan "starter" or larger.`,
    );
  }
  return violations(out);
}
