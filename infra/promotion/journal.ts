/**
 * The promotion journal: one small JSON file per promotion that stopped, written by the TrafficSwitch's provider
 * next to the project (`.stackguard/promotions/`, or `STACKGUARD_PROMOTION_JOURNAL`). A failed `up` leaves the
 * switch's outputs as they were (they describe the last promotion that succeeded), so this is where the deploy report
 * finds what a failed or rolled-back promotion did: its step, its switch and switch back, the traffic through the
 * edge. Only names, versions, times, numbers and the error message (which never carries a secret); best effort: a
 * journal that cannot be written never changes the promotion's outcome.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import type { PromotionAttempt } from "./record";

const slot = z.enum(["blue", "green"]);
const window = z.object({
  at: z.string(),
  slot,
  samples: z.number().int().nonnegative(),
  errorRate: z.number().min(0).max(1).optional(),
  p50Ms: z.number().nonnegative().optional(),
  p99Ms: z.number().nonnegative().optional(),
});

/** One journal entry (what {@link writeAttempt} writes). */
const JournalEntrySchema = z.object({
  kind: z.literal("stackguard-promotion-attempt"),
  /** The edge the app is behind: tells stacks apart in a shared directory. */
  edgeUrl: z.string(),
  app: z.string(),
  message: z.string(),
  attempt: z.object({
    version: z.string(),
    from: slot,
    to: slot,
    phase: z.enum(["deploy", "pre-switch", "post-switch"]),
    result: z.enum(["failed", "rolled-back"]),
    at: z.string(),
    switchedAt: z.string().optional(),
    switchedBackAt: z.string().optional(),
    timings: z.record(z.string(), z.number()),
    traffic: z
      .object({ windowMs: z.number(), limits: z.object({ maxErrorRate: z.number(), maxP99LatencyMs: z.number() }), windows: z.array(window).max(120) })
      .optional(),
    live: z.object({ activeSlot: slot, versions: z.object({ blue: z.string().optional(), green: z.string().optional() }) }).optional(),
  }),
});
export type JournalEntry = z.infer<typeof JournalEntrySchema>;

/** Entries kept; older ones are removed when a new one is written. */
const KEEP = 200;

/** The journal directory: `STACKGUARD_PROMOTION_JOURNAL`, else `.stackguard/promotions` in the project (found from `from` up to Pulumi.yaml). */
export function journalDir(from = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
  if (env.STACKGUARD_PROMOTION_JOURNAL) return path.resolve(env.STACKGUARD_PROMOTION_JOURNAL);
  let root = path.resolve(from);
  while (!fs.existsSync(path.join(root, "Pulumi.yaml")) && path.dirname(root) !== root) root = path.dirname(root);
  return path.join(root, ".stackguard", "promotions");
}

/** Writes one entry (atomically: temp file, then rename) and prunes the oldest beyond {@link KEEP}. Never throws. */
export function writeAttempt(dir: string, e: { edgeUrl: string; app: string; message: string; attempt: PromotionAttempt }): string | undefined {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const entry: JournalEntry = { kind: "stackguard-promotion-attempt", edgeUrl: e.edgeUrl, app: e.app, message: e.message, attempt: e.attempt };
    // Named by time (so a sorted listing is chronological), app and edge (several stacks may share the directory).
    const edge = createHash("sha256").update(e.edgeUrl).digest("hex").slice(0, 10);
    const file = path.join(dir, `${e.attempt.at.replace(/[:.]/g, "-")}-${e.app}-${edge}.json`);
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(entry, null, 1)}\n`);
    fs.renameSync(tmp, file);
    const all = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort();
    for (const old of all.slice(0, Math.max(0, all.length - KEEP))) fs.rmSync(path.join(dir, old), { force: true });
    return file;
  } catch {
    return undefined;
  }
}

/** The entries of one edge (one stack), oldest first; unreadable or foreign files are skipped. */
export function readAttempts(dir: string, edgeUrl: string): JournalEntry[] {
  let files: string[];
  try {
    files = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort();
  } catch {
    return [];
  }
  const out: JournalEntry[] = [];
  for (const f of files) {
    try {
      const parsed = JournalEntrySchema.safeParse(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")));
      if (parsed.success && parsed.data.edgeUrl === edgeUrl) out.push(parsed.data);
    } catch {
      /* a foreign or half-written file */
    }
  }
  return out.sort((a, b) => a.attempt.at.localeCompare(b.attempt.at));
}
