/**
 * `npm run bench:pitr -- [--mb <size>]` (default 1024): point-in-time recovery of a realistic test database on the
 * embedded Render's real PostgreSQL. Generates `--mb` of order rows in a new Postgres instance (so its WAL archive
 * holds them), marks the restore time, writes more rows after it, asks Render's API for a recovery at the mark, waits
 * for `available`, then runs db:restore's data verification (every table's rows and checksum against the source at
 * the mark). Prints the figures and ends with one JSON line. Not part of `npm test`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitUntilAvailable } from "../infra/ops/pitr";
import { verifyRestoredDatabase } from "../infra/ops/verify-database";
import { RenderClient } from "../infra/render/client";
import { RenderHttp } from "../infra/render/http";
import { startSimulator } from "../sim";
import { SEED } from "../sim/seed";
import { sql as runSql } from "../test/support/sql";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number`);
  return v;
}

/** Bulk inserts of a gigabyte take minutes: one statement may run for up to an hour. */
const sql = (url: string, text: string) => runSql(url, text, { statementTimeoutMs: 60 * 60_000 });

async function main(): Promise<void> {
  const mb = arg("--mb", 1024);
  const stateDir = mkdtempSync(join(tmpdir(), "sg-bench-pitr-"));
  const sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
  try {
    const render = new RenderClient(new RenderHttp({ config: { apiUrl: sim.apiUrl, apiKey: sim.apiKey } }));
    const db = await render.postgres.create({ name: "bench-pitr", ownerId: SEED.stagingOwner, plan: "pro_4gb", version: "16", region: "oregon" });
    const src = await waitUntilAvailable(render, db.id, { timeoutMs: 120_000, pollMs: 100 });
    const url = (await render.postgres.connectionInfo(db.id)).internalConnectionString;
    await sql(
      url,
      "CREATE TABLE orders (id bigint PRIMARY KEY, account_id int NOT NULL, symbol text NOT NULL, qty int NOT NULL, price_cents bigint NOT NULL, note text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())",
    );
    // About 200 bytes per row on disk with its index.
    const rows = Math.round((mb * 1024 * 1024) / 200);
    const batch = 200_000;
    const loadStarted = Date.now();
    for (let from = 1; from <= rows; from += batch) {
      const to = Math.min(rows, from + batch - 1);
      await sql(
        url,
        `INSERT INTO orders (id, account_id, symbol, qty, price_cents, note) SELECT g, g % 5000, (ARRAY['ACME','GLOBX','INITECH','UMBRL','WAYNE'])[1 + g % 5], 1 + g % 500, 10000 + (g * 7919) % 90000, md5(g::text) || md5((g * 3)::text) FROM generate_series(${from}::bigint, ${to}::bigint) g`,
      );
    }
    const loadMs = Date.now() - loadStarted;
    const size = Number((await sql(url, "SELECT pg_database_size(current_database()) AS b"))[0].b);
    await new Promise((r) => setTimeout(r, 500));
    const mark = new Date();
    await new Promise((r) => setTimeout(r, 500));
    await sql(
      url,
      `INSERT INTO orders (id, account_id, symbol, qty, price_cents, note) SELECT g, 1, 'ACME', 1, 1, 'after the mark' FROM generate_series(${rows + 1}, ${rows + 1000}) g`,
    );

    const started = Date.now();
    const rec = await render.postgres.recover(db.id, { restoreTime: mark.toISOString(), restoreName: "bench-pitr-restored" });
    const restored = await waitUntilAvailable(render, rec.id, { timeoutMs: 3 * 60 * 60_000, pollMs: 200 });
    const recoveryMs = Date.now() - started;
    const verifyStarted = Date.now();
    const v = await verifyRestoredDatabase(render, restored, src, mark);
    const verifyMs = Date.now() - verifyStarted;
    const orders = v.tables?.find((t) => t.table === "public.orders");
    console.log(`database: ${(size / 1024 / 1024).toFixed(0)} MB, ${rows} rows (loaded in ${(loadMs / 1000).toFixed(1)} s)`);
    console.log(
      `point-in-time recovery (base backup + archived WAL to recovery_target_time): ${(recoveryMs / 1000).toFixed(1)} s from the request to available`,
    );
    console.log(
      `verification: ${v.ok ? "ok" : "FAILED"}; rows ${orders?.rows} (source at the mark ${orders?.sourceRows}), rows lost ${v.rowsLost}, checksum ${orders?.checksum === orders?.sourceChecksum ? "equal" : "different"} (${(verifyMs / 1000).toFixed(1)} s)`,
    );
    console.log(
      JSON.stringify({
        sizeMB: Math.round(size / 1024 / 1024),
        rows,
        loadMs,
        recoveryMs,
        verifyMs,
        verified: v.ok,
        rowsLost: v.rowsLost,
        checksumEqual: orders?.checksum === orders?.sourceChecksum,
      }),
    );
  } finally {
    await sim.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench:pitr failed: ${(e as Error).message}`);
  process.exitCode = 1;
});
