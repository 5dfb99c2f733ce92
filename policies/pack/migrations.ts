import * as fs from "node:fs";
import * as path from "node:path";
import type { StackValidationPolicy } from "@pulumi/policy";
import { MigrationsConfigSchema, PACK_DIR } from "../config";
import { lintSqlFiles } from "../lib/squawk";
import { str } from "../lib/values";
import { MigrationFile, migrationBackwardCompatible, phaseOf, SlotVersions, waitsForOf } from "../rules/migrations";
import { slotOf } from "../rules/traffic";
import { RuleResult, StackResourceFacts, TYPES, violations } from "../rules/types";
import { checkArgs, PolicyArgs, stackPolicy } from "./policy";

/**
 * `migrations-backward-compatible` (mandatory, stack policy): lints every SQL file under `migrations/` and every
 * `.sql` file a service's preDeployCommand (the migration step) names, with squawk, and applies the expand/contract
 * rule. It is a stack policy because the contract rule needs both slots of an app; a preview (and so the gate, from
 * which production's `up` must run) fails on it before anything runs.
 */

function sqlFilesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sqlFilesUnder(p));
    else if (e.isFile() && e.name.toLowerCase().endsWith(".sql")) out.push(p);
  }
  return out.sort();
}

/** The image tag of a service (`docker.io/org/api:1.4.2` → `1.4.2`), undefined for a digest or no tag. */
export function imageTag(image: string | undefined): string | undefined {
  if (!image || image.includes("@")) return undefined;
  const last = image.split("/").pop() ?? "";
  const i = last.lastIndexOf(":");
  return i > 0 ? last.slice(i + 1) : undefined;
}

/** The versions each app's blue/green slots run. */
export function slotVersions(resources: readonly StackResourceFacts[]): SlotVersions {
  const out = new Map<string, Array<string | undefined>>();
  for (const r of resources) {
    if (r.type !== TYPES.service) continue;
    const slot = slotOf(r);
    if (!slot) continue;
    const list = out.get(slot.app) ?? [];
    list.push(imageTag(str(r.props.image)));
    out.set(slot.app, list);
  }
  return out;
}

export function migrationsPolicy(args?: PolicyArgs): StackValidationPolicy {
  return stackPolicy({
    name: "migrations-backward-compatible",
    description: "SQL migrations are backward compatible: destructive statements only in a contract migration after the previous slot is retired.",
    level: checkArgs("migrations-backward-compatible", args, "mandatory"),
    config: MigrationsConfigSchema,
    rule: (resources, cfg): RuleResult => {
      const root = path.resolve(PACK_DIR, cfg.projectRoot);
      const files = new Set(sqlFilesUnder(path.resolve(root, cfg.migrationsDir)));
      const missing: string[] = [];
      for (const r of resources) {
        if (r.type !== TYPES.service) continue;
        const cmd = str(r.props.preDeployCommand);
        for (const m of cmd?.matchAll(/[\w./-]+\.sql\b/g) ?? []) {
          const f = path.resolve(root, m[0]);
          if (fs.existsSync(f)) files.add(f);
          else missing.push(`${r.name}'s preDeployCommand runs ${m[0]}, which must exist under the project root to be linted; add it or fix the path.`);
        }
      }
      if (!files.size && !missing.length) return { status: "not-applicable", reason: "no SQL migrations" };
      const findings = lintSqlFiles([...files]);
      const slots = slotVersions(resources);
      const out = [...missing];
      for (const f of files) {
        const rel = path.relative(root, f);
        const m: MigrationFile = { file: rel, phase: phaseOf(rel), waitsFor: waitsForOf(fs.readFileSync(f, "utf8")), findings: findings.get(f) ?? [] };
        const r = migrationBackwardCompatible(m, slots);
        if (r.status === "non-compliant") out.push(...r.messages);
      }
      return violations(out);
    },
  });
}
