import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { EdgeAdminClient } from "../../edge-contract/client";

type RuleAdmin = EdgeAdminClient["alerts"];
import { validateAlertRule, type AlertRule } from "../../alerts/rule";
import { checkWith, UNKNOWN } from "../check";
import { same } from "../diff";
import { idsFromAlphaStackConfig, parseIdList } from "../guard";
import { adminTokenInput, edgeAccess, edgeUrlInput, requireEdgeAccess } from "./edge-admin-access";

/** Checked inputs of an AlertRule resource. */
export const alertRuleInputsSchema = z
  .object({
    rule: z.record(z.string(), z.unknown()),
    edgeUrl: edgeUrlInput,
    adminToken: adminTokenInput,
  })
  .strict();
export type AlertRuleResourceInputs = { rule: AlertRule; edgeUrl?: string; adminToken: string };

function hasUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (v && typeof v === "object") return Object.values(v).some(hasUnknown);
  return false;
}

/** AlphaStack ids beyond the built-in ones: the provider config's `alphaStack` section and `STACKGUARD_PROTECTED_IDS`. */
let extraProtected: string[] = parseIdList(process.env.STACKGUARD_PROTECTED_IDS);

/** A client for writes (waits for the edge to be ready with the token; see edge-admin-access.ts). */
function writer(i: { edgeUrl?: string; adminToken?: string }, name: string): RuleAdmin {
  return new EdgeAdminClient(requireEdgeAccess(i, `AlertRule "${name}"`)).alerts;
}

/** A client for reads, or `undefined` when no token is known (state recorded before adminToken was an input). */
function reader(i: { edgeUrl?: string; adminToken?: string }): RuleAdmin | undefined {
  const opts = edgeAccess(i, "read");
  return opts && new EdgeAdminClient(opts).alerts;
}

/** The dynamic provider for `stackguard:AlertRule`. */
export const provider: pulumi.dynamic.ResourceProvider = {
  async configure(req) {
    const get = (k: string): string | undefined => {
      try {
        return req.config.get(k);
      } catch {
        return undefined;
      }
    };
    extraProtected = [
      ...parseIdList(process.env.STACKGUARD_PROTECTED_IDS),
      ...parseIdList(get("stackguard:protectedIds")),
      ...idsFromAlphaStackConfig(get("stackguard:alphaStack")),
    ];
  },

  async check(_olds, news) {
    const base = checkWith("AlertRule", alertRuleInputsSchema, news);
    if (base.failures?.length || hasUnknown(news)) return base;
    const raw = (base.inputs as { rule: Record<string, unknown> }).rule;
    const r = validateAlertRule(raw, { extraProtected });
    const label = typeof raw.name === "string" ? `AlertRule "${raw.name}"` : "AlertRule";
    if (!r.ok) return { inputs: news, failures: r.issues.map((i) => ({ property: "rule", reason: `${label}: rule.${i.path}: ${i.message}` })) };
    // The resolved rule (defaults filled in) is what is stored, so state shows exactly what the guardian evaluates.
    return { inputs: { ...base.inputs, rule: r.rule }, failures: [] };
  },

  async create(inputs: AlertRuleResourceInputs) {
    await writer(inputs, inputs.rule.name).put(inputs.rule);
    return { id: inputs.rule.name, outs: inputs };
  },

  async read(id, props: AlertRuleResourceInputs) {
    // No token (state from before adminToken was an input) or no answer: keep what was recorded; refresh must
    // neither fail nor invent drift. The next `up` records the token.
    const c = reader(props);
    if (!c) return { id, props };
    let live: AlertRule | undefined;
    try {
      live = await c.get(id);
    } catch {
      return { id, props };
    }
    return { id, props: { ...props, rule: live ?? {} } };
  },

  async diff(_id, olds: AlertRuleResourceInputs, news: AlertRuleResourceInputs) {
    const replaces = [...(olds.rule?.name !== news.rule.name ? ["rule"] : []), ...(!same(olds.edgeUrl, news.edgeUrl) ? ["edgeUrl"] : [])];
    // A new token (rotation, or state recorded before adminToken was an input) is an update: it is re-recorded.
    let changes = replaces.length > 0 || !same(olds.adminToken, news.adminToken) || !same(olds.rule, news.rule);
    if (!changes) {
      try {
        changes = !same(await reader(news)!.get(news.rule.name), news.rule); // drift on the edge
      } catch {
        /* edge unreachable: inputs decide */
      }
    }
    return { changes, replaces, deleteBeforeReplace: true };
  },

  async update(_id, _olds, news: AlertRuleResourceInputs) {
    await writer(news, news.rule.name).put(news.rule);
    return { outs: news };
  },

  async delete(id, props: AlertRuleResourceInputs) {
    await writer(props, id).remove(id);
  },
};
