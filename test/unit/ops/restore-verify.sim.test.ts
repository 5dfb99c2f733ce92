/**
 * db:restore's data verification against real databases: the simulator's point-in-time recovery (base backup and
 * archived WAL replayed to the instant) and the SQL comparison of every table with what the source held then.
 */
import { waitUntilAvailable } from "../../../infra/ops/pitr";
import { verifyRestoredDatabase } from "../../../infra/ops/verify-database";
import { RenderClient } from "../../../infra/render/client";
import { RenderHttp } from "../../../infra/render/http";
import { withSim, STAGING } from "../sim/helpers";

import { sql } from "../../support/sql";

jest.setTimeout(180_000);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("restore verification: rows and checksums of a real point-in-time recovery", () => {
  let s: Awaited<ReturnType<typeof withSim>>;
  let render: RenderClient;
  beforeAll(async () => {
    s = await withSim({ timeScale: 0.01 });
    render = new RenderClient(new RenderHttp({ config: { apiUrl: s.sim.apiUrl, apiKey: s.sim.apiKey } }));
  });
  afterAll(async () => {
    await s.done();
  });

  it("a recovery at T holds exactly the source's rows at T: 0 lost, checksums equal; a claim of a later T is caught", async () => {
    const db = await render.postgres.create({ name: "verify-src", ownerId: STAGING, plan: "basic_1gb", version: "16", region: "oregon" });
    const src = await waitUntilAvailable(render, db.id, { timeoutMs: 60_000, pollMs: 100 });
    const url = (await render.postgres.connectionInfo(db.id)).internalConnectionString;
    await sql(url, "CREATE TABLE fills (id bigint PRIMARY KEY, qty int NOT NULL, at timestamptz NOT NULL DEFAULT now())");
    await sql(url, "CREATE TABLE positions (symbol text PRIMARY KEY, qty int NOT NULL)");
    await sql(url, "INSERT INTO fills (id, qty) SELECT g, g % 50 FROM generate_series(1, 3000) g");
    await sql(url, "INSERT INTO positions VALUES ('ACME', 10), ('GLOBX', 20), ('UMBRL', 30)");
    const sumSql = "SELECT count(*)::int AS n, md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) AS h FROM fills t";
    const [atT] = await sql(url, sumSql);
    await pause(300);
    const T = new Date();
    await pause(300);
    // After T: appended rows, an update and a delete in positions.
    await sql(url, "INSERT INTO fills (id, qty) SELECT g, 1 FROM generate_series(3001, 3400) g");
    await sql(url, "UPDATE positions SET qty = 99 WHERE symbol = 'ACME'");
    await sql(url, "DELETE FROM positions WHERE symbol = 'UMBRL'");
    await pause(300);
    const later = new Date();

    const rec = await render.postgres.recover(db.id, { restoreTime: T.toISOString(), restoreName: "verify-src-pitr" });
    const started = Date.now();
    const done = await waitUntilAvailable(render, rec.id, { timeoutMs: 120_000, pollMs: 100 });
    console.log(`PITR of a ${3000 + 3} row database: available after ${Date.now() - started} ms`);

    const v = await verifyRestoredDatabase(render, done, src, T);
    expect({ ok: v.ok, failed: v.checks.filter((c) => !c.ok) }).toEqual({ ok: true, failed: [] });
    expect(v.rowsLost).toBe(0);
    const fills = v.tables!.find((t) => t.table === "public.fills")!;
    expect(fills).toMatchObject({ rows: 3000, sourceRows: 3000, lost: 0, newerThanTarget: 0, changedSince: 0 });
    expect(fills.checksum).toBe(fills.sourceChecksum);
    // The checksum is the one the source had at T, computed independently before the later writes.
    const [restoredSum] = await sql((await render.postgres.connectionInfo(done.id)).internalConnectionString, sumSql);
    expect(restoredSum).toEqual(atT);
    // positions: ACME's old row and UMBRL were changed in the source after T: shown, not an error.
    expect(v.tables!.find((t) => t.table === "public.positions")).toMatchObject({ rows: 3, lost: 0, changedSince: 2, newerThanTarget: 0 });
    expect(v.checks.map((c) => c.name)).toEqual(expect.arrayContaining(["rows at the restore time", "nothing newer than the restore time", "checksums"]));
    // No credential in the verification.
    const { password } = await render.postgres.connectionInfo(done.id);
    expect(JSON.stringify(v)).not.toContain(password);

    // The same recovery claimed as one of a later time misses what was committed in between: the 400 appended fills
    // and ACME's new quantity. Verification fails.
    const wrong = await verifyRestoredDatabase(render, done, src, later);
    expect(wrong.ok).toBe(false);
    expect(wrong.tables!.find((t) => t.table === "public.fills")).toMatchObject({ rows: 3000, sourceRows: 3400, lost: 400 });
    expect(wrong.tables!.find((t) => t.table === "public.positions")).toMatchObject({ lost: 1 });
    expect(wrong.rowsLost).toBe(401);
    expect(wrong.checks.find((c) => c.name === "rows at the restore time")).toMatchObject({ ok: false, detail: expect.stringMatching(/401 lost/) });
  });
});
