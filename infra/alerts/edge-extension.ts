import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { EDGE_ADMIN_PATHS } from "../edge-contract/admin-api";
import type { EdgeContext, EdgeExtension } from "../edge-contract/extensions";
import { BodyError, readJsonBody, sendJson } from "../edge-contract/http";
import { AlertRuleValidationError, validateAlertRule, type AlertRule } from "./rule";

/**
 * Alert rules are stored in the edge's shared state (`ext.alerts`), next to the flags: persisted and replicated by
 * the edge, written by the AlertRule provider through the admin API, and read by the guardian with the same admin
 * token (`GET /__edge/alerts/rules`). The guardian therefore needs no Render API access and sees a rule change on
 * its next poll, without a redeploy.
 *
 * | method | path | body | answer |
 * |---|---|---|---|
 * | GET | `/__edge/alerts/rules` | | `{ revision, rules: AlertRule[] }` (sorted by name) |
 * | GET | `/__edge/alerts/rules/{name}` | | `{ rule, revision }` or 404 |
 * | PUT | `/__edge/alerts/rules/{name}` | an alert rule (validated; `name` must match) | `{ rule, revision }` |
 * | DELETE | `/__edge/alerts/rules/{name}` | | 204 or 404 |
 *
 * Clients call it through `EdgeAdminClient.alerts` (infra/edge-contract/client.ts).
 */
export const ALERTS_EXT_KEY = "alerts";
export const ALERT_RULES_PATH = EDGE_ADMIN_PATHS.alertRules;

const StoredSchema = z.object({ rules: z.record(z.string(), z.unknown()) });

function revisionOf(rules: Record<string, unknown>): string {
  return createHash("sha256").update(JSON.stringify(rules)).digest("base64url").slice(0, 16);
}

/** Validated rules of an `ext.alerts` section (invalid entries are skipped and reported). */
export function rulesFromState(section: unknown, log: (m: string) => void = () => {}): AlertRule[] {
  const parsed = StoredSchema.safeParse(section ?? { rules: {} });
  if (!parsed.success) return [];
  const out: AlertRule[] = [];
  for (const [name, raw] of Object.entries(parsed.data.rules)) {
    const r = validateAlertRule(raw);
    if (r.ok) out.push(r.rule);
    else log(`alerts: skipping stored rule '${name}': ${r.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The edge extension holding alert rules (admin-only: no public paths). Mount it beside `flagsExtension` in
 * `apps/edge/extensions.ts` `loadExtensions`.
 */
export function alertsExtension(): EdgeExtension {
  let ctx: EdgeContext | undefined;
  const current = () => StoredSchema.catch({ rules: {} }).parse(ctx?.state().ext[ALERTS_EXT_KEY] ?? { rules: {} }).rules;
  const write = async (change: (rules: Record<string, unknown>) => Record<string, unknown>) => {
    if (!ctx) throw new Error("alerts extension not started");
    await ctx.update((doc) => {
      const before = StoredSchema.catch({ rules: {} }).parse(doc.ext[ALERTS_EXT_KEY] ?? { rules: {} }).rules;
      const after = change({ ...before });
      if (JSON.stringify(after) === JSON.stringify(before)) return undefined;
      return { ...doc, version: doc.version + 1, updatedAt: new Date().toISOString(), by: "alerts", ext: { ...doc.ext, [ALERTS_EXT_KEY]: { rules: after } } };
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const rest = path.slice(ALERT_RULES_PATH.length).split("/").filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? "GET";
    if (!path.startsWith(ALERT_RULES_PATH) || rest.length > 1) return sendJson(res, 404, { error: `no alerts endpoint ${path}` });
    const rules = current();
    if (rest.length === 0 && method === "GET") {
      return sendJson(res, 200, { revision: revisionOf(rules), rules: rulesFromState({ rules }, ctx?.log) });
    }
    const name = rest[0]!;
    if (method === "GET") {
      const r = name in rules ? validateAlertRule(rules[name]) : undefined;
      return r?.ok ? sendJson(res, 200, { revision: revisionOf(rules), rule: r.rule }) : sendJson(res, 404, { error: `no alert rule '${name}'` });
    }
    if (method === "PUT") {
      const body = await readJsonBody(req, { maxBytes: 64 * 1024, timeoutMs: 5000 });
      const r = validateAlertRule(body);
      if (!r.ok) return sendJson(res, 400, { error: new AlertRuleValidationError(r.issues, name).message, issues: r.issues });
      if (r.rule.name !== name)
        return sendJson(res, 400, {
          error: `rule name '${r.rule.name}' does not match the path '${name}'`,
          issues: [{ path: "name", message: `must be '${name}'` }],
        });
      await write((all) => ({ ...all, [name]: r.rule }));
      const after = current();
      return sendJson(res, 200, { revision: revisionOf(after), rule: r.rule });
    }
    if (method === "DELETE") {
      if (!(name in rules)) return sendJson(res, 404, { error: `no alert rule '${name}'` });
      await write((all) => {
        delete all[name];
        return all;
      });
      return sendJson(res, 204, undefined);
    }
    return sendJson(res, 405, { error: `${method} ${path} is not part of the alerts admin API` });
  };

  return {
    name: "alerts",
    publicPrefixes: [],
    start(c) {
      ctx = c;
    },
    // A peer's document may only hold rules this API would have stored (the same validation as PUT).
    verify(section) {
      const parsed = StoredSchema.safeParse(section);
      if (!parsed.success) return "not an alert rule section ({rules: {<name>: rule}})";
      for (const [name, raw] of Object.entries(parsed.data.rules)) {
        const r = validateAlertRule(raw);
        if (!r.ok) return `rule '${name}': ${r.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
        if (r.rule.name !== name) return `rule '${name}' is stored under another rule's name '${r.rule.name}'`;
      }
      return undefined;
    },
    async handle(req, res, where) {
      if (!where.admin) return sendJson(res, 404, { error: "not found" });
      try {
        await handle(req, res, where.path);
      } catch (err) {
        if (err instanceof BodyError) return sendJson(res, err.status, { error: err.message });
        throw err;
      }
    },
  };
}
