import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AlertRuleAdminClient } from "../../alerts/edge-extension";
import { validateAlertRule, type AlertRule } from "../../alerts/rule";
import { checkWith, UNKNOWN } from "../check";
import { same } from "../diff";
import { idsFromAlphaStackConfig, parseIdList } from "../guard";

/** Checked inputs of an AlertRule resource. */
export const alertRuleInputsSchema = z
  .object({
    rule: z.record(z.string(), z.unknown()),
    edgeUrl: z.string().url("edgeUrl must be the edge's http(s) base URL").optional(),
  })
  .strict();
export type AlertRuleResourceInputs = { rule: AlertRule; edgeUrl?: string };

function hasUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(hasUnknown);
  if (v && typeof v === "object") return Object.values(v).some(hasUnknown);
  return false;
}

/** AlphaStack ids beyond the built-in ones: the provider config's `alphaStack` section and `STACKGUARD_PROTECTED_IDS`. */
let extraProtected: string[] = parseIdList(process.env.STACKGUARD_PROTECTED_IDS);

function client(i: { edgeUrl?: string }): AlertRuleAdminClient {
  return AlertRuleAdminClient.fromEnv(i.edgeUrl ?? process.env.EDGE_URL ?? "");
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
    await client(inputs).put(inputs.rule);
    return { id: inputs.rule.name, outs: inputs };
  },

  async read(id, props: AlertRuleResourceInputs) {
    const live = await client(props).get(id);
    return { id, props: { ...props, rule: live ?? {} } };
  },

  async diff(_id, olds: AlertRuleResourceInputs, news: AlertRuleResourceInputs) {
    const replaces = [...(olds.rule?.name !== news.rule.name ? ["rule"] : []), ...(!same(olds.edgeUrl, news.edgeUrl) ? ["edgeUrl"] : [])];
    let changes = replaces.length > 0 || !same(olds.rule, news.rule);
    if (!changes) {
      try {
        changes = !same(await client(news).get(news.rule.name), news.rule); // drift on the edge
      } catch {
        /* edge unreachable: inputs decide */
      }
    }
    return { changes, replaces, deleteBeforeReplace: true };
  },

  async update(_id, _olds, news: AlertRuleResourceInputs) {
    await client(news).put(news.rule);
    return { outs: news };
  },

  async delete(id, props: AlertRuleResourceInputs) {
    await client(props).remove(id);
  },
};
