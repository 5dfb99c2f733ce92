/**
 * The embedded Render's Postgres and Key Value instances are real servers: PostgreSQL clusters and redis-server
 * processes reachable at the connection info the API returns, surviving simulator restarts, stopped on suspend,
 * removed with the instance. `npm test`'s setup installs both (tools/scripts/lib/setup.js).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import Redis from "ioredis";
import { Client } from "pg";
import { startSimulator, type RunningSimulator } from "../../../sim";
import { ALPHASTACK_SEED_ROWS } from "../../../sim/databases/alphastack-seed";
import { client, eventually, STAGING } from "./helpers";

jest.setTimeout(180_000);

const ALPHA_DB = "dpg-alphastackdb00000000-a";

async function query<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  // A server shutting down (suspend, delete) ends the connection with an error event: the query rejects with it.
  c.on("error", () => undefined);
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

describe("real databases behind the embedded Render", () => {
  const stateDir = mkdtempSync(join(tmpdir(), "sg-realdb-"));
  let sim: RunningSimulator | undefined;
  const start = async () => (sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed", apiKey: "test-key" }));

  afterAll(async () => {
    await sim?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("a created Postgres is a real PostgreSQL at its connection info; it survives a restart, stops on suspend and is removed with the instance", async () => {
    await start();
    let api = client(sim!);
    const created = await api.post("/postgres", { name: "ledger-db", ownerId: STAGING, plan: "basic_256mb", version: "16" });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // The connection info a client reads right after the create (as the Postgres provider does) stays valid.
    const early = (await api.get(`/postgres/${id}/connection-info`)).body;
    // `available` only once the server answers.
    await eventually(async () => (await api.get(`/postgres/${id}`)).body.status === "available", 60_000, 100);
    const info = (await api.get(`/postgres/${id}/connection-info`)).body;
    expect(info).toEqual(early);
    // Render's shape: user, password, database; the instance id stays in the strings.
    const internal = new URL(info.internalConnectionString);
    expect(internal.hostname).toBe(id);
    expect(decodeURIComponent(internal.username)).toBe(created.body.databaseUser);
    expect(internal.pathname).toBe(`/${created.body.databaseName}`);
    expect(new URL(info.externalConnectionString).hostname).toBe(`${id}.oregon-postgres.render.com`);

    const [me] = await query<{ u: string; d: string; su: boolean }>(
      info.internalConnectionString,
      "SELECT current_user AS u, current_database() AS d, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su",
    );
    expect(me).toEqual({ u: created.body.databaseUser, d: created.body.databaseName, su: false });
    await query(info.externalConnectionString, "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)");
    await query(info.externalConnectionString, "INSERT INTO notes (body) SELECT 'note ' || g FROM generate_series(1, 25) g");
    // psql, with the psqlCommand's parameters.
    expect(execFileSync("psql", [info.externalConnectionString, "-tAc", "SELECT count(*) FROM notes"], { encoding: "utf8" }).trim()).toBe("25");
    // A wrong password is refused: the password is the API's.
    const wrong = new URL(info.externalConnectionString);
    wrong.password = "not-the-password";
    await expect(query(wrong.toString(), "SELECT 1")).rejects.toThrow(/password authentication failed/);

    // AlphaStack's seeded database is real, with its seeded rows.
    const alpha = (await api.get(`/postgres/${ALPHA_DB}/connection-info`)).body;
    const [counts] = await query<{ accounts: string; orders: string }>(
      alpha.internalConnectionString,
      "SELECT (SELECT count(*) FROM accounts) AS accounts, (SELECT count(*) FROM orders) AS orders",
    );
    expect({ accounts: Number(counts.accounts), orders: Number(counts.orders) }).toEqual(ALPHASTACK_SEED_ROWS);

    // Restart the simulator: same connection info, same rows.
    await sim!.stop();
    await start();
    api = client(sim!);
    expect((await api.get(`/postgres/${id}`)).body.status).toBe("available");
    const again = (await api.get(`/postgres/${id}/connection-info`)).body;
    expect(again.internalConnectionString).toBe(info.internalConnectionString);
    expect((await query<{ n: string }>(again.internalConnectionString, "SELECT count(*) AS n FROM notes"))[0].n).toBe("25");

    // Suspend stops the server; resume starts it with the data.
    expect((await api.post(`/postgres/${id}/suspend`)).status).toBe(202);
    await eventually(
      async () =>
        query(info.internalConnectionString, "SELECT 1").then(
          () => false,
          () => true,
        ),
      30_000,
      100,
    );
    expect((await api.get(`/postgres/${id}`)).body.status).toBe("suspended");
    expect((await api.post(`/postgres/${id}/resume`)).status).toBe(202);
    await eventually(async () => (await api.get(`/postgres/${id}`)).body.status === "available", 30_000, 100);
    expect((await query<{ n: string }>(info.internalConnectionString, "SELECT count(*) AS n FROM notes"))[0].n).toBe("25");

    // Delete stops the server and removes its files.
    expect((await api.del(`/postgres/${id}`)).status).toBe(204);
    await eventually(
      async () =>
        query(info.internalConnectionString, "SELECT 1").then(
          () => false,
          () => true,
        ),
      30_000,
      100,
    );
    const root = join(stateDir, "databases", "postgres");
    await eventually(async () => !readdirSync(root).some((f) => f.startsWith(id)), 30_000, 100);
  });

  it("a Key Value instance is a real redis-server at its connection strings; data survives a restart; delete removes it", async () => {
    sim ??= await start();
    let api = client(sim!);
    const created = await api.post("/key-value", { name: "edge-state", ownerId: STAGING, plan: "starter" });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const early = (await api.get(`/key-value/${id}/connection-info`)).body;
    await eventually(async () => (await api.get(`/key-value/${id}`)).body.status === "available", 60_000, 100);
    const info = (await api.get(`/key-value/${id}/connection-info`)).body;
    expect(info).toEqual(early);
    const internal = new Redis(info.internalConnectionString, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await internal.connect();
    await internal.set("slot:api", "green");
    expect(await internal.get("slot:api")).toBe("green");
    internal.disconnect();
    // External: as the instance's user with its password; a wrong password is refused.
    const external = new Redis(info.externalConnectionString, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await external.connect();
    expect(await external.acl("WHOAMI")).toBe(id);
    external.disconnect();
    const bad = new URL(info.externalConnectionString);
    bad.password = "wrong";
    const wrong = new Redis(bad.toString(), { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const errors: string[] = [];
    wrong.on("error", (e: Error) => errors.push(e.message));
    await expect(wrong.connect()).rejects.toThrow();
    expect(errors.join("\n")).toMatch(/WRONGPASS/);
    wrong.disconnect();
    // The legacy /redis API shows the same instance and server.
    expect((await api.get(`/redis/${id}/connection-info`)).body.externalConnectionString).toBe(info.externalConnectionString);

    await sim!.stop();
    await start();
    api = client(sim!);
    const after = new Redis((await api.get(`/key-value/${id}/connection-info`)).body.internalConnectionString, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await after.connect();
    expect(await after.get("slot:api")).toBe("green");
    after.disconnect();

    expect((await api.del(`/key-value/${id}`)).status).toBe(204);
    await eventually(async () => !existsSync(join(stateDir, "databases", "keyvalue", id)), 30_000, 100);
  });

  it("point-in-time recovery replays real WAL to the requested instant into a new instance; an export is a real pg_dump, downloadable from its signed link", async () => {
    sim ??= await start();
    const api = client(sim!);
    const created = await api.post("/postgres", { name: "pitr-db", ownerId: STAGING, plan: "basic_256mb", version: "16" });
    const id = created.body.id as string;
    await eventually(async () => (await api.get(`/postgres/${id}`)).body.status === "available", 60_000, 100);
    const url = (await api.get(`/postgres/${id}/connection-info`)).body.internalConnectionString as string;
    await query(url, "CREATE TABLE trades (id bigint PRIMARY KEY, qty int NOT NULL)");
    await query(url, "INSERT INTO trades SELECT g, g % 97 FROM generate_series(1, 500) g");
    const sum = "SELECT count(*)::int AS n, md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) AS h FROM trades t";
    const [atT] = await query<{ n: number; h: string }>(url, sum);
    await new Promise((r) => setTimeout(r, 300));
    const T = new Date();
    await new Promise((r) => setTimeout(r, 300));
    // After T: new rows, a changed row, a deleted row. None of it may be in the recovery.
    await query(url, "INSERT INTO trades SELECT g, 1 FROM generate_series(501, 700) g");
    await query(url, "UPDATE trades SET qty = -1 WHERE id = 1");
    await query(url, "DELETE FROM trades WHERE id = 2");

    const rec = await api.post(`/postgres/${id}/recovery`, { restoreTime: T.toISOString(), restoreName: "pitr-db-restored" });
    expect(rec.status).toBe(200);
    const rid = rec.body.id as string;
    expect(rid).not.toBe(id);
    await eventually(async () => (await api.get(`/postgres/${rid}`)).body.status === "available", 120_000, 100);
    const rinfo = (await api.get(`/postgres/${rid}/connection-info`)).body;
    expect(rinfo.password).not.toBe((await api.get(`/postgres/${id}/connection-info`)).body.password);
    const [restored] = await query<{ n: number; h: string }>(rinfo.internalConnectionString, sum);
    expect(restored).toEqual(atT);
    expect(atT.n).toBe(500);
    // The source is untouched by the recovery, and the recovered instance takes writes of its own.
    expect((await query<{ n: number }>(url, "SELECT count(*)::int AS n FROM trades"))[0].n).toBe(699);
    await query(rinfo.internalConnectionString, "INSERT INTO trades VALUES (9999, 1)");

    // Export: 202, listed once the dump is ready, downloadable (no API key) as a gzip'd pg_dump directory.
    expect((await api.post(`/postgres/${id}/export`)).status).toBe(202);
    const [exp] = await eventually(
      async () => {
        const l = (await api.get(`/postgres/${id}/export`)).body as Array<{ id: string; url?: string }>;
        // Listed at once; its download link once the dump is ready.
        return l.length === 1 && l[0].url ? (l as Array<{ id: string; url: string }>) : undefined;
      },
      60_000,
      100,
    );
    const res = await fetch(exp.url);
    expect(res.status).toBe(200);
    const file = join(stateDir, "export.tar.gz");
    require("node:fs").writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const listing = execFileSync("tar", ["-tzf", file], { encoding: "utf8" });
    expect(listing).toMatch(/\.dir\/toc\.dat/);
    // pg_restore reads it: the dump holds the trades table with its 699 rows.
    const dir = mkdtempSync(join(tmpdir(), "sg-export-"));
    execFileSync("tar", ["-xzf", file, "-C", dir]);
    const sql = execFileSync("pg_restore", ["-f", "-", "--data-only", "-t", "trades", join(dir, `${exp.id}.dir`)], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(sql.split("\n").filter((l) => /^\d+\t/.test(l))).toHaveLength(699);
    rmSync(dir, { recursive: true, force: true });
    // The link is the credential: a tampered signature is refused.
    expect((await fetch(exp.url.replace(/X-Sim-Signature=[0-9a-f]{4}/, "X-Sim-Signature=0000"))).status).toBe(403);
  });
});
