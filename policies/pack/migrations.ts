import * as fs from "node:fs";
import * as path from "node:path";
import type { StackValidationPolicy } from "@pulumi/policy";
import { MigrationsConfigSchema, PACK_DIR } from "../config";
import { lintSqlFiles } from "../lib/squawk";
import { str } from "../lib/values";
import { MigrationFile, migrationBackwardCompatible, phaseOf, slotVersions, waitsForOf } from "../rules/migrations";
import { RuleResult, TYPES, violations } from "../rules/types";
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
