import { Client } from "pg";

/** Rows and a checksum of one table. The checksum is order-independent: md5 over the sorted md5s of its rows' text. */
interface TableSum {
  /** `schema.table`. */
  table: string;
  rows: number;
  checksum: string;
}

/** Longest time one verification query may run (large tables are read whole). */
const QUERY_TIMEOUT_MS = 30 * 60_000;

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Opens a connection with timeouts, runs `fn`, always closes it. Errors never carry the connection string. */
async function withDatabase<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 15_000, statement_timeout: QUERY_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS });
  // A server that goes away mid-query ends the query with the error; the event must not crash the process.
  c.on("error", () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The ordinary tables of a database (not PostgreSQL's own schemas), sorted. */
async function userTables(c: Client): Promise<string[]> {
  const r = await c.query<{ s: string; t: string }>(
    "SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg_toast%' ORDER BY 1, 2",
  );
  return r.rows.map((x) => `${x.s}.${x.t}`);
}

/**
 * Rows and checksum of each table. With `asOf`, only the row versions committed at or before that instant count,
 * read from the commit timestamps PostgreSQL keeps with `track_commit_timestamp = on` (rows whose commit time is
 * unknown, e.g. frozen ones, count as older). That is what a table held at `asOf`, provided no row of it was
 * updated or deleted since: such changes leave no trace of the old row in the live database.
 */
async function tableChecksums(c: Client, tables: string[], asOf?: Date): Promise<TableSum[]> {
  const out: TableSum[] = [];
  for (const table of tables) {
    const [schema, name] = table.split(/\.(.*)/s);
    const rel = `${quote(schema)}.${quote(name)}`;
    const where = asOf ? "WHERE coalesce(pg_xact_commit_timestamp(t.xmin) <= $1, true)" : "";
    const r = await c.query<{ n: string; h: string }>(
      `SELECT count(*) AS n, coalesce(md5(string_agg(h, '' ORDER BY h)), md5('')) AS h FROM (SELECT md5(t::text) AS h FROM ${rel} t ${where}) s`,
      asOf ? [asOf.toISOString()] : [],
    );
    out.push({ table, rows: Number(r.rows[0].n), checksum: r.rows[0].h });
  }
  return out;
}

/** Row hashes of a table (as {@link tableChecksums} sees them), to count differences when two checksums differ. */
async function rowHashes(c: Client, table: string, asOf?: Date, limit = 2_000_000, after = false): Promise<string[] | undefined> {
  const [schema, name] = table.split(/\.(.*)/s);
  const rel = `${quote(schema)}.${quote(name)}`;
  const where = !asOf ? "" : after ? "WHERE pg_xact_commit_timestamp(t.xmin) > $1" : "WHERE coalesce(pg_xact_commit_timestamp(t.xmin) <= $1, true)";
  const r = await c.query<{ h: string }>(`SELECT md5(t::text) AS h FROM ${rel} t ${where} LIMIT ${limit + 1}`, asOf ? [asOf.toISOString()] : []);
  return r.rows.length > limit ? undefined : r.rows.map((x) => x.h);
}

/** One table of a restore's data verification. */
export interface TableVerification {
  table: string;
  /** What the restored database holds. */
  rows: number;
  checksum: string;
  /** What the source held at the restore time (its rows committed by then, as far as it still shows them). */
  sourceRows: number;
  sourceChecksum: string;
  /** Rows the source held at the restore time that the restored table lacks: must be 0. */
  lost: number;
  /** Rows only in the restored table: rows the source updated or deleted after the restore time (expected). */
  changedSince: number;
  /** Rows in the restored table that the source committed after the restore time: must be 0. */
  newerThanTarget: number;
}

/**
 * Compares every table of a restored database with what its source held at `asOf`: rows and checksums, and where
 * they differ, which rows are missing (lost) and which were changed in the source since (not an error).
 */
export async function compareWithSource(restoredUrl: string, sourceUrl: string, asOf: Date): Promise<TableVerification[]> {
  return withDatabase(restoredUrl, (restored) =>
    withDatabase(sourceUrl, async (source) => {
      const tables = [...new Set([...(await userTables(restored)), ...(await userTables(source))])].sort();
      const r = await tableChecksums(restored, await existing(restored, tables));
      const s = await tableChecksums(source, await existing(source, tables), asOf);
      const out: TableVerification[] = [];
      for (const table of tables) {
        const a = r.find((x) => x.table === table) ?? { table, rows: 0, checksum: "" };
        const b = s.find((x) => x.table === table) ?? { table, rows: 0, checksum: "" };
        let lost = 0;
        let changedSince = 0;
        let newerThanTarget = 0;
        if (a.checksum !== b.checksum) {
          const ra = a.rows ? await rowHashes(restored, table) : [];
          const rb = b.rows ? await rowHashes(source, table, asOf) : [];
          if (!ra || !rb) {
            lost = Math.max(0, b.rows - a.rows);
          } else {
            const count = (xs: string[]) => xs.reduce((m, h) => m.set(h, (m.get(h) ?? 0) + 1), new Map<string, number>());
            const ca = count(ra);
            const cb = count(rb);
            for (const [h, n] of cb) lost += Math.max(0, n - (ca.get(h) ?? 0));
            const later = new Set((await rowHashes(source, table, asOf, 2_000_000, true)) ?? []);
            for (const [h, n] of ca) {
              const extra = Math.max(0, n - (cb.get(h) ?? 0));
              if (later.has(h)) newerThanTarget += extra;
              else changedSince += extra;
            }
          }
        }
        out.push({ table, rows: a.rows, checksum: a.checksum, sourceRows: b.rows, sourceChecksum: b.checksum, lost, changedSince, newerThanTarget });
      }
      return out;
    }),
  );
}

async function existing(c: Client, tables: string[]): Promise<string[]> {
  const have = new Set(await userTables(c));
  return tables.filter((t) => have.has(t));
}
