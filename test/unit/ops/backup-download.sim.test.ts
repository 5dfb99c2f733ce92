/**
 * db:backup on the simulator's real PostgreSQL: the export Render lists is a real pg_dump, and `--download` fetches
 * it from its signed link (no API key) into the archive layout retention works on.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { waitUntilAvailable } from "../../../infra/ops/pitr";
import { directoryExportStore } from "../../../infra/ops/retention";
import { RenderClient } from "../../../infra/render/client";
import { RenderHttp } from "../../../infra/render/http";
import { backupStackDatabase } from "../../../tools/scripts/db-backup";
import { withSim, STAGING } from "../sim/helpers";

jest.setTimeout(180_000);

describe("db:backup --download on real PostgreSQL", () => {
  let s: Awaited<ReturnType<typeof withSim>>;
  let render: RenderClient;
  const dir = mkdtempSync(join(tmpdir(), "sg-backups-"));
  beforeAll(async () => {
    s = await withSim({ timeScale: 0.01 });
    render = new RenderClient(new RenderHttp({ config: { apiUrl: s.sim.apiUrl, apiKey: s.sim.apiKey } }));
  });
  afterAll(async () => {
    await s.done();
    rmSync(dir, { recursive: true, force: true });
  });

  it("exports the stack's database with pg_dump and downloads it; the archive restores the rows; the link is never printed", async () => {
    // The staging stack's database (Pulumi.staging.yaml: platform-db-staging in the staging workspace).
    const db = await render.postgres.create({ name: "platform-db-staging", ownerId: STAGING, plan: "basic_1gb", version: "16", region: "oregon" });
    await waitUntilAvailable(render, db.id, { timeoutMs: 60_000, pollMs: 100 });
    const c = new Client({ connectionString: (await render.postgres.connectionInfo(db.id)).internalConnectionString });
    await c.connect();
    await c.query("CREATE TABLE invoices (id int PRIMARY KEY, total_cents bigint NOT NULL)");
    await c.query("INSERT INTO invoices SELECT g, g * 100 FROM generate_series(1, 321) g");
    await c.end();

    const logs: string[] = [];
    const record = await backupStackDatabase({ stack: "staging", client: render, downloadDir: dir, pollMs: 100, log: (l) => logs.push(l) });
    expect(record).toMatchObject({ stack: "staging", databaseId: db.id, file: join(dir, `${record.exportId}.dir.tar.gz`) });
    expect(record.bytes).toBeGreaterThan(0);
    // The archive holds a pg_dump directory; pg_restore reads the 321 rows from it.
    const out = mkdtempSync(join(tmpdir(), "sg-backup-x-"));
    execFileSync("tar", ["-xzf", record.file!, "-C", out]);
    const data = execFileSync("pg_restore", ["-f", "-", "--data-only", "-t", "invoices", join(out, `${record.exportId}.dir`)], { encoding: "utf8" });
    expect(data.split("\n").filter((l) => /^\d+\t\d+$/.test(l))).toHaveLength(321);
    rmSync(out, { recursive: true, force: true });
    // Retention sees it.
    expect(await directoryExportStore(dir).list()).toEqual([{ id: record.exportId, createdAt: record.exportCreatedAt }]);
    expect(JSON.parse(readFileSync(join(dir, `${record.exportId}.json`), "utf8")).id).toBe(record.exportId);
    // The signed link is a credential: not in the logs or the record.
    const [listed] = await render.postgres.listExports(db.id);
    expect(listed.url).toMatch(/X-Sim-Signature=/);
    expect(`${logs.join("\n")}${JSON.stringify(record)}`).not.toContain("X-Sim-Signature");
  });
});
