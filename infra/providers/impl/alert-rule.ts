import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { EdgeAdminClient } from "../../edge-contract/client";

type RuleAdmin = EdgeAdminClient["alerts"];
import { validateAlertRule, type AlertRule } from "../../alerts/rule";
import { checkWith, UNKNOWN } from "../check";
import { changedFields, type DiffSpec, same } from "../diff";
import { resourceFields } from "../fields";
import { idsFromAlphaStackConfig, parseIdList } from "../guard";
import { adminTokenInput, edgeAccess, edgeUrlInput, requireEdgeAccess } from "./edge-admin-access";

/** Checked inputs of an AlertRule resource. */
const alertRuleInputsSchema = z
  .object({
    /** The rule (infra/alerts/README.md), validated by `check` (`validateAlertRule`); a new `rule.name` replaces it. */
    rule: z.record(z.string(), z.unknown()),
    edgeUrl: edgeUrlInput,
    adminToken: adminTokenInput,
  })
  .strict();
export type AlertRuleResourceInputs = { rule: AlertRule; edgeUrl?: string; adminToken: string };

/**
 * The rule and the token are the one PUT of the rule (a new token is re-recorded); the edge identifies it, and so
 * does the rule's name (a nested field: the diff replaces on it). Nothing is computed: the outputs are the inputs.
 */
export const alertRuleFields = resourceFields(alertRuleInputsSchema, { rule: "update", edgeUrl: "replace", adminToken: "update" }, z.object({}));

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

/** The dynamic provider for `stackguard:AlertRule`, typed with its checked inputs (which are its outputs). */
const alertRuleProvider = {
  async configure(req: pulumi.dynamic.ConfigureRequest) {
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

  async check(_olds: unknown, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult<AlertRuleResourceInputs>> {
    // The schema checks the envelope; `validateAlertRule` below the rule itself (the parsed rule is what is stored).
    const base = checkWith("AlertRule", alertRuleInputsSchema, news) as pulumi.dynamic.CheckResult<AlertRuleResourceInputs>;
    if (base.failures?.length || hasUnknown(news)) return base;
    const raw = (base.inputs as { rule: Record<string, unknown> }).rule;
    const r = validateAlertRule(raw, { extraProtected });
    const label = typeof raw.name === "string" ? `AlertRule "${raw.name}"` : "AlertRule";
    if (!r.ok)
      return {
        inputs: news as AlertRuleResourceInputs,
        failures: r.issues.map((i) => ({ property: "rule", reason: `${label}: rule.${i.path}: ${i.message}` })),
      };
    // The resolved rule (defaults filled in) is what is stored, so state shows exactly what the guardian evaluates.
    return { inputs: { ...(base.inputs as AlertRuleResourceInputs), rule: r.rule }, failures: [] };
  },

  async create(inputs: AlertRuleResourceInputs) {
    await writer(inputs, inputs.rule.name).put(inputs.rule);
    return { id: inputs.rule.name, outs: inputs };
  },

  async read(id: string, props?: AlertRuleResourceInputs) {
    if (!props) return { id }; // nothing recorded: no edge to ask
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
    return { id, props: { ...props, rule: live ?? ({} as AlertRule) } };
  },

  async diff(_id: string, olds: AlertRuleResourceInputs, news: AlertRuleResourceInputs) {
    const spec = alertRuleFields.diffSpec as unknown as DiffSpec<AlertRuleResourceInputs>;
    const changed = changedFields(spec, olds, news);
    const replaces = [...(olds.rule?.name !== news.rule.name ? ["rule"] : []), ...changed.filter((f) => spec.replace.includes(f))];
    // A new token (rotation, or state recorded before adminToken was an input) is an update: it is re-recorded.
    let changes = replaces.length > 0 || changed.length > 0;
    if (!changes) {
      try {
        changes = !same(await reader(news)!.get(news.rule.name), news.rule); // drift on the edge
      } catch {
        /* edge unreachable: inputs decide */
      }
    }
    return { changes, replaces, deleteBeforeReplace: true };
  },

  async update(_id: string, _olds: AlertRuleResourceInputs, news: AlertRuleResourceInputs) {
    await writer(news, news.rule.name).put(news.rule);
    return { outs: news };
  },

  async delete(id: string, props: AlertRuleResourceInputs) {
    await writer(props, id).remove(id);
  },
} satisfies pulumi.dynamic.ResourceProvider<AlertRuleResourceInputs, AlertRuleResourceInputs>;

/** The same provider as the loader (`lazyProvider`) and the engine see it: property bags. */
export const provider: pulumi.dynamic.ResourceProvider = alertRuleProvider;
