import type { SqlFinding } from "../lib/squawk";
import { str } from "../lib/values";
import { slotOf } from "./traffic";
import { RuleResult, StackResourceFacts, TYPES, violations } from "./types";

/**
 * `migrations-backward-compatible`: expand/contract. While a promotion runs, the previous slot (old code) and the
 * new slot share one database, so a migration must not break the old code: no DROP, RENAME, type change or NOT NULL
 * without a default. Such statements belong to a contract migration, which runs only after the previous slot is
 * retired (no slot of the app still runs the old version).
 *
 * squawk finds the statements; this rule decides by phase. A file is a contract migration when its name ends in
 * `.contract.sql` or it sits in a `contract/` directory, and it names what it waits for in a header line:
 * `-- stackguard:previous-slot-retired <app>@<version>`. Every other file is an expand migration.
 */

/** squawk rules that break code still running against the old schema. */
export const DESTRUCTIVE_RULES: Readonly<Record<string, string>> = {
  "ban-drop-column": "drops a column",
  "ban-drop-table": "drops a table",
  "ban-drop-database": "drops a database",
  "renaming-column": "renames a column",
  "renaming-table": "renames a table",
  "changing-column-type": "changes a column's type",
  "adding-required-field": "adds a NOT NULL column without a default",
  "adding-not-nullable-field": "sets NOT NULL on an existing column",
  "ban-truncate-cascade": "truncates with CASCADE",
};

/** One migration file as the rule sees it. */
export interface MigrationFile {
  /** Path relative to the project root, for messages. */
  file: string;
  phase: "expand" | "contract";
  /** From the header `-- stackguard:previous-slot-retired <app>@<version>`. */
  waitsFor?: { app: string; version: string };
  findings: readonly SqlFinding[];
}

/** The phase from a file's path. */
export function phaseOf(file: string): "expand" | "contract" {
  return /(^|[/\\])contract[/\\]/.test(file) || /\.contract\.sql$/i.test(file) ? "contract" : "expand";
}

/** The `previous-slot-retired` header of a SQL file, if any. */
export function waitsForOf(sql: string): { app: string; version: string } | undefined {
  const m = /^\s*--\s*stackguard:previous-slot-retired\s+([a-z][a-z0-9-]*)@([0-9A-Za-z][0-9A-Za-z._-]*)\s*$/m.exec(sql);
  return m ? { app: m[1], version: m[2] } : undefined;
}

/** Compares dotted versions numerically where both parts are numbers (1.10 > 1.9). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? "0";
    const y = pb[i] ?? "0";
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isFinite(nx) && Number.isFinite(ny) ? nx - ny : x.localeCompare(y);
    if (c !== 0) return Math.sign(c);
  }
  return 0;
}

/** The versions each app's slots run now (from the slot services' image tags), `undefined` when not known. */
export type SlotVersions = ReadonlyMap<string, ReadonlyArray<string | undefined>>;

export function migrationBackwardCompatible(m: MigrationFile, slots: SlotVersions): RuleResult {
  const destructive = m.findings.filter((f) => DESTRUCTIVE_RULES[f.rule]);
  if (!destructive.length) return violations([]);
  const what = destructive.map((f) => `line ${f.line} ${DESTRUCTIVE_RULES[f.rule]}`).join("; ");
  if (m.phase === "expand") {
    return violations([
      `Migration ${m.file} must be backward compatible (expand phase): ${what}. Add the new shape alongside the old one now, and move the destructive part to a contract migration (*.contract.sql) that runs after the previous slot is retired.`,
    ]);
  }
  if (!m.waitsFor) {
    return violations([
      `Contract migration ${m.file} must say which release it waits for: add the header "-- stackguard:previous-slot-retired <app>@<version>" naming the last version that used the old schema (it ${what}).`,
    ]);
  }
  const { app, version } = m.waitsFor;
  const running = slots.get(app);
  if (!running || !running.length) {
    return violations([
      `Contract migration ${m.file} must wait until the previous slot of ${app} is retired, but no slot of ${app} is in this stack to prove it (it ${what}). Check the app name in its header.`,
    ]);
  }
  const old = running.filter((v) => v === undefined || compareVersions(v, version) <= 0);
  if (old.length) {
    return violations([
      `Contract migration ${m.file} must not run yet: a slot of ${app} still runs ${old.map((v) => v ?? "an unknown version").join(", ")} (≤ ${version}), which uses the old schema (the migration ${what}). Promote a newer version to both slots first.`,
    ]);
  }
  return violations([]);
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
