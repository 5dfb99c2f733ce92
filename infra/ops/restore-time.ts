import { z } from "zod";
import { RestoreInputError } from "./restore-errors";

/** RFC 3339 with an explicit offset (`Z` or `+02:00`): a restore time without a zone is ambiguous, so refused. */
const rfc3339 = z.iso.datetime({ offset: true, precision: undefined });

/** The span a point-in-time recovery can reach: from Render's `startsAt` (oldest recoverable point) to now. */
export interface RecoveryWindow {
  startsAt: Date;
  endsAt: Date;
}

/**
 * Parses `--to` and checks it against the recovery window.
 * @throws RestoreInputError naming `--to` for a malformed time, a time in the future, or one outside the window
 */
export function parseRestoreTime(raw: string | undefined, window: RecoveryWindow): Date {
  if (!raw) throw new RestoreInputError("--to", "a restore time is required, in RFC 3339 with a zone, e.g. --to 2026-11-27T00:30:00Z");
  const parsed = rfc3339.safeParse(raw);
  if (!parsed.success) {
    throw new RestoreInputError("--to", `'${raw}' is not an RFC 3339 time with a zone; write it like 2026-11-27T00:30:00Z or 2026-11-27T01:30:00+01:00`);
  }
  const t = new Date(raw);
  if (t.getTime() > window.endsAt.getTime()) {
    throw new RestoreInputError("--to", `${t.toISOString()} is in the future (now is ${window.endsAt.toISOString()}); pick a time that has passed`);
  }
  if (t.getTime() < window.startsAt.getTime()) {
    throw new RestoreInputError(
      "--to",
      `${t.toISOString()} is before the oldest recoverable point ${window.startsAt.toISOString()} of this database's point-in-time recovery window; pick a time between that and now, or restore an export instead (docs/recovery.md)`,
    );
  }
  return t;
}
