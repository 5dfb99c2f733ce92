import type { RenderClient } from "../render/client";
import type { Postgres } from "../render/schemas/postgres";
import { compareWithSource, type TableVerification } from "./table-checksums";

/** One check of a restored database, with what was seen (never a credential). */
interface VerificationCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** The result of {@link verifyRestoredDatabase}. */
export interface Verification {
  ok: boolean;
  checks: VerificationCheck[];
  /** What could not be checked, said plainly. */
  limits: string[];
  /** With a restore time: every table of the restored database against what the source held then. */
  tables?: TableVerification[];
  /** Rows the source held at the restore time that the restored database lacks (0 for a good restore). */
  rowsLost?: number;
}

/**
 * Checks a restored database: what Render's API shows (`available`, not suspended, a new instance with the source's
 * version and region, complete and consistent connection info) and, given the restore time `at`, its data: over
 * SQL, every table's rows and checksum against what the source held at `at` (its rows committed by then, from
 * PostgreSQL's commit timestamps: `track_commit_timestamp`), rows lost must be 0 and no row may be newer than `at`.
 * Read-only on both databases. Without `at` the data is not queried (`limits` says so).
 */
export async function verifyRestoredDatabase(client: RenderClient, restored: Postgres, source: Postgres, at?: Date): Promise<Verification> {
  const db = await client.postgres.get(restored.id);
  const checks: VerificationCheck[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  add("status", db.status === "available", `status is '${db.status}'`);
  add("not suspended", db.suspended !== "suspended", `suspended: ${db.suspended ?? "not_suspended"}`);
  add("new instance", db.id !== source.id, `${db.id} (source ${source.id})`);
  add("same version", db.version === source.version, `version ${db.version} (source ${source.version})`);
  add("same region", db.region === source.region, `region ${db.region} (source ${source.region})`);
  let info;
  try {
    info = await client.postgres.connectionInfo(db.id);
  } catch (e) {
    add("connection info", false, `cannot read it: ${(e as Error).message}`);
  }
  if (info) {
    const urls = [
      ["internal", info.internalConnectionString],
      ["external", info.externalConnectionString],
    ] as const;
    for (const [kind, raw] of urls) {
      let detail: string;
      let ok = false;
      try {
        const u = new URL(raw);
        ok =
          /^postgres(ql)?:$/.test(u.protocol) &&
          decodeURIComponent(u.username) === db.databaseUser &&
          u.pathname.replace(/^\//, "") === db.databaseName &&
          u.password.length > 0;
        detail = ok
          ? `postgres URL for ${db.databaseUser}@${u.hostname}/${db.databaseName}`
          : `does not name user ${db.databaseUser} and database ${db.databaseName}`;
      } catch {
        detail = raw ? "not a URL" : "missing";
      }
      add(`${kind} connection string`, ok, detail);
    }
    add("password", info.password.length > 0, info.password.length > 0 ? "present" : "missing");
  }
  if (!at) {
    return { ok: checks.every((c) => c.ok), checks, limits: ["no restore time given: the data was not compared with the source."] };
  }
  const limits = [
    "rows the source updated or deleted after the restore time are shown as 'changed since' (the live source no longer holds their old versions), not as errors.",
  ];
  let tables: TableVerification[] | undefined;
  if (info && checks.every((c) => c.ok)) {
    try {
      const src = await client.postgres.connectionInfo(source.id);
      tables = await compareWithSource(info.externalConnectionString, src.externalConnectionString, at);
    } catch (e) {
      // Never the connection string: pg's messages name the host at most.
      add("data", false, `cannot compare with the source over SQL: ${(e as Error).message.replace(/postgres(ql)?:\/\/\S+/g, "[connection string]")}`);
    }
  }
  let rowsLost: number | undefined;
  if (tables) {
    rowsLost = tables.reduce((n, t) => n + t.lost, 0);
    const newer = tables.reduce((n, t) => n + t.newerThanTarget, 0);
    const rows = tables.reduce((n, t) => n + t.rows, 0);
    const exact = tables.filter((t) => t.checksum === t.sourceChecksum).length;
    add("rows at the restore time", rowsLost === 0, `${rows} rows in ${tables.length} tables; ${rowsLost} lost of what the source held at ${at.toISOString()}`);
    add("nothing newer than the restore time", newer === 0, `${newer} rows the source committed after ${at.toISOString()}`);
    add(
      "checksums",
      exact === tables.length || rowsLost === 0,
      `${exact}/${tables.length} tables identical to the source at the restore time${
        exact < tables.length
          ? ` (others differ by rows changed since: ${tables
              .filter((t) => t.checksum !== t.sourceChecksum)
              .map((t) => `${t.table} ${t.changedSince}`)
              .join(", ")})`
          : ""
      }`,
    );
  }
  return { ok: checks.every((c) => c.ok), checks, limits, tables, rowsLost };
}
