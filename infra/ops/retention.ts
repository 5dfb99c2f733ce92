/**
 * Retention of database exports: keep the N latest, none older than a maximum age, and never the last one.
 *
 * Render keeps each logical export for its own period and its API has no call to delete one, so this policy governs
 * the copies the project keeps (the backup job's archive of downloaded exports: {@link directoryExportStore}), and its
 * freshness verdict tells whether backups are still being taken. The plan is pure; {@link applyRetention} acts on a
 * store.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";

/** A retention policy (validated: a bad value names its field). */
export const RetentionPolicySchema = z
  .object({
    /** How many of the newest exports to keep (at least 1). */
    keepLatest: z.number().int().min(1, "keepLatest must be at least 1: the newest export is always kept").max(1000),
    /** Exports older than this many days are expired (the newest one excepted). */
    maxAgeDays: z.number().positive().max(3650),
    /** The newest export older than this many hours makes the archive `stale` (default 26: a daily job plus slack). */
    staleAfterHours: z
      .number()
      .positive()
      .max(24 * 365)
      .default(26),
  })
  .strict();

/** One export as the policy sees it. */
export interface ExportEntry {
  id: string;
  /** RFC 3339. */
  createdAt: string;
}

/** What {@link planRetention} decided, with a reason per export. */
export interface RetentionPlan {
  keep: Array<ExportEntry & { reason: string }>;
  expire: Array<ExportEntry & { reason: string }>;
  /** Age of the newest export in hours; undefined when there is none. */
  newestAgeHours?: number;
  /** True when there is no export, or the newest is older than `staleAfterHours`. */
  stale: boolean;
}

/**
 * Decides which exports to keep: an export is expired when it is beyond the `keepLatest` newest or older than
 * `maxAgeDays`; the newest is always kept, so a stalled backup job never leaves the archive empty.
 * @throws Error naming the field for an invalid policy or an export with an unreadable `createdAt`
 */
export function planRetention(entries: readonly ExportEntry[], policy: z.input<typeof RetentionPolicySchema>, now: Date): RetentionPlan {
  const parsed = RetentionPolicySchema.safeParse(policy);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new Error(`retention policy ${i.path.join(".")}: ${i.message}`);
  }
  const p = parsed.data;
  const dated = entries.map((e) => {
    const t = Date.parse(e.createdAt);
    if (Number.isNaN(t)) throw new Error(`export ${e.id}: createdAt '${e.createdAt}' is not a time`);
    return { e, t };
  });
  dated.sort((a, b) => b.t - a.t || a.e.id.localeCompare(b.e.id));
  const maxAgeMs = p.maxAgeDays * 86_400_000;
  const plan: RetentionPlan = { keep: [], expire: [], stale: true };
  dated.forEach(({ e, t }, rank) => {
    const ageDays = (now.getTime() - t) / 86_400_000;
    if (rank === 0) plan.keep.push({ ...e, reason: "newest export (always kept)" });
    else if (rank >= p.keepLatest) plan.expire.push({ ...e, reason: `beyond the ${p.keepLatest} newest` });
    else if (now.getTime() - t > maxAgeMs) plan.expire.push({ ...e, reason: `${ageDays.toFixed(1)} days old, over maxAgeDays ${p.maxAgeDays}` });
    else plan.keep.push({ ...e, reason: `among the ${p.keepLatest} newest, ${ageDays.toFixed(1)} days old` });
  });
  if (dated.length) {
    plan.newestAgeHours = (now.getTime() - dated[0].t) / 3_600_000;
    plan.stale = plan.newestAgeHours > p.staleAfterHours;
  }
  return plan;
}

/** Where archived exports live: list them, remove one. */
export interface ExportStore {
  list(): Promise<ExportEntry[]>;
  remove(id: string): Promise<void>;
}

/**
 * Exports archived in a directory as `<id>.json` metadata (`{id, createdAt, …}`) beside the downloaded file(s)
 * `<id>.*`; removing an export removes all of them.
 */
export function directoryExportStore(dir: string): ExportStore {
  const safe = (id: string) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(id) || id.startsWith(".")) throw new Error(`export id '${id}' is not a plain file name`);
    return id;
  };
  return {
    async list() {
      if (!fs.existsSync(dir)) return [];
      return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".json"))
        .map((f) => {
          const meta = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Partial<ExportEntry>;
          if (typeof meta.id !== "string" || typeof meta.createdAt !== "string") throw new Error(`${path.join(dir, f)}: needs string fields id and createdAt`);
          return { id: meta.id, createdAt: meta.createdAt };
        });
    },
    async remove(id) {
      const prefix = `${safe(id)}.`;
      for (const f of fs.readdirSync(dir)) if (f.startsWith(prefix)) fs.rmSync(path.join(dir, f), { force: true });
    },
  };
}

/** Plans and applies retention on a store; with `dryRun` only plans. Returns the plan that was (or would be) applied. */
export async function applyRetention(
  store: ExportStore,
  policy: z.input<typeof RetentionPolicySchema>,
  now: Date,
  opts: { dryRun?: boolean } = {},
): Promise<RetentionPlan> {
  const plan = planRetention(await store.list(), policy, now);
  if (!opts.dryRun) for (const e of plan.expire) await store.remove(e.id);
  return plan;
}
