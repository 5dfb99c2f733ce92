import type { RenderClient } from "../render/client";
import type { Postgres } from "../render/schemas/postgres";
import { RestoreInputError } from "./restore-errors";
import type { RecoveryWindow } from "./restore-time";

/**
 * The point-in-time recovery window Render offers for a database now (`GET /postgres/{id}/recovery`).
 * @throws RestoreInputError when recovery is not available (free plan, backups not ready yet)
 */
export async function recoveryWindow(client: RenderClient, db: Postgres, now: Date): Promise<RecoveryWindow> {
  const r = await client.postgres.recoveryStatus(db.id);
  if (r.recoveryStatus !== "AVAILABLE" || !r.startsAt) {
    const why =
      r.recoveryStatus === "BACKUP_NOT_READY"
        ? "its first backup is not ready yet; wait and retry"
        : "its plan has no point-in-time recovery (the free plan); restore an export instead";
    throw new RestoreInputError("--stack", `point-in-time recovery of ${db.name} (${db.id}) is ${r.recoveryStatus}: ${why}`);
  }
  return { startsAt: new Date(r.startsAt), endsAt: now };
}

/** The name of a recovered database: the source's name, `-pitr-`, and the restore time to the minute (UTC). */
export function restoredName(sourceName: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:T]/g, "").slice(0, 12);
  // Render names are free text, but the stack config's database names are `[a-z][a-z0-9-]{1,62}`.
  return `${sourceName.slice(0, 63 - 18)}-pitr-${stamp}`;
}

/** Options for {@link waitUntilAvailable}. */
export interface WaitOptions {
  timeoutMs: number;
  pollMs: number;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

/**
 * Polls a database until Render reports it `available`.
 * @throws Error naming the last status when the timeout passes, or when it ends in a state it will not leave alone
 */
export async function waitUntilAvailable(client: RenderClient, id: string, o: WaitOptions): Promise<Postgres> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = Date.now() + o.timeoutMs;
  let last = "";
  for (;;) {
    const db = await client.postgres.get(id);
    if (db.status !== last) o.log?.(`${id}: ${db.status}`);
    last = db.status;
    if (db.status === "available") return db;
    if (db.status === "suspended" || db.suspended === "suspended")
      throw new Error(`${id} is suspended: resume it in Render's dashboard, then re-run with the same --to`);
    if (Date.now() >= deadline) {
      throw new Error(
        `${id} is still '${db.status}' after ${Math.round(o.timeoutMs / 1000)} s: check it in Render's dashboard; the stack's config was not changed (raise --timeout-seconds to wait longer)`,
      );
    }
    await sleep(o.pollMs);
  }
}
