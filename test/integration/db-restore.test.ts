/**
 * `npm run db:restore` end to end on the real engine and the simulator: `up` of staging, a recovery point, a
 * point-in-time recovery into a new database, verification, the preview and the `up` that repoints the apps'
 * DATABASE_URL, and AlphaStack's database untouched. Bad input fails before anything changes.
 *
 * The simulator's Postgres is a real PostgreSQL: the test writes rows before the recovery point and after it, and the
 * recovered database must hold exactly the rows (and the checksum) the source held at that point; db:restore's own
 * verification must say so (rows lost 0).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { startSimulator } from "../../sim";
import { Store } from "../../sim/store/db";
import { main } from "../../tools/scripts/db-restore";
import type { RestoreRecord } from "../../infra/ops/restore";
import { providerClient } from "../../infra/providers/context";
import { PulumiProject } from "../support/pulumi-project";
import { renderApi } from "../support/render-api";

import { sql } from "../support/sql";

jest.setTimeout(900_000);

const CHECKSUM = "SELECT count(*)::int AS n, md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) AS h FROM ledger t";

const STAGING_OWNER = "tea-stackguardstaging000";
const ALPHA_DB = "dpg-alphastackdb00000000-a";
const PACK = ["--policy-pack", "policies", "--policy-pack-config", "policies/config/staging.json"];

describe("db:restore on the real engine and the simulator", () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let project: PulumiProject;
  let api: ReturnType<typeof renderApi>;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-sim-"));
  const lines: string[] = [];
  const printed: string[] = [];

  const client = () => providerClient({ RENDER_API_URL: sim.apiUrl, RENDER_API_KEY: sim.apiKey, STACKGUARD_PROTECTED_IDS: ALPHA_DB });
  const restore = (argv: string[], onRecord?: (r: RestoreRecord) => void) =>
    main(argv, {
      root: project.dir,
      client: client(),
      policyArgs: PACK,
      pollMs: 100,
      onRecord,
      pulumi: (args) => project.run(args),
      log: (l) => lines.push(l),
      out: (t) => printed.push(t),
    });
  const sharedEnv = async (): Promise<Record<string, string>> => {
    const group = (await api<any[]>("GET", `/env-groups?ownerId=${STAGING_OWNER}`)).body.find((g) => g.name === "platform-shared-staging");
    const full = (await api("GET", `/env-groups/${group.id}`)).body;
    return Object.fromEntries(full.envVars.map((v: { key: string; value: string }) => [v.key, v.value]));
  };
  const stagingDbs = async () => (await api<any[]>("GET", `/postgres?ownerId=${STAGING_OWNER}`)).body.map((w) => w.postgres);

  beforeAll(async () => {
    sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
    api = renderApi(sim.apiUrl, sim.apiKey);
    project = await PulumiProject.create({ render: sim });
    await project.selectStack("staging");
    const up = await project.run(["up", "--yes", "--skip-preview", "--stack", "staging", ...PACK]);
    if (up.code !== 0) throw new Error(`initial up failed: ${up.stderr}${up.stdout.slice(-2000)}`);
  });

  afterAll(async () => {
    project?.dispose();
    await sim?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("refuses bad input before anything changes, naming the field", async () => {
    const before = await stagingDbs();
    const configBefore = fs.readFileSync(path.join(project.dir, "Pulumi.staging.yaml"), "utf8");
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const cases: Array<[string[], RegExp]> = [
      [["--stack", "qa", "--to", new Date().toISOString()], /--stack: unknown stack 'qa'.*Known stacks: production, staging/],
      [["--stack", "staging", "--to", "yesterday"], /--to: 'yesterday' is not an RFC 3339 time/],
      [["--stack", "staging", "--to", "2026-11-27T00:30:00"], /--to: .*not an RFC 3339 time with a zone/],
      [["--stack", "staging", "--to", future], /--to: .* is in the future/],
      [["--stack", "staging", "--to", "2020-01-01T00:00:00Z"], /--to: 2020-01-01T00:00:00.000Z is before the oldest recoverable point/],
      [["--stack", "staging"], /--to: is required/],
    ];
    for (const [argv, pattern] of cases) {
      lines.length = 0;
      expect(await restore(argv)).toBe(2);
      expect(lines.join("\n")).toMatch(pattern);
    }
    expect(await stagingDbs()).toEqual(before);
    expect(fs.readFileSync(path.join(project.dir, "Pulumi.staging.yaml"), "utf8")).toBe(configBefore);
  });

  it("refuses a stack whose database is AlphaStack's, and AlphaStack's database is untouched", async () => {
    const alphaBefore = (await api("GET", `/postgres/${ALPHA_DB}`)).body;
    project.editConfig("production", (cfg) => (cfg.database.name = "alphastack-db"));
    lines.length = 0;
    expect(await restore(["--stack", "production", "--to", new Date(Date.now() - 1000).toISOString(), "--yes"])).toBe(2);
    expect(lines.join("\n")).toMatch(/stackguard:database\.name: dpg-alphastackdb00000000-a is one of AlphaStack's databases/);
    // The guard refuses the recovery call itself, whatever chose the target.
    await expect(client().postgres.recover(ALPHA_DB, { restoreTime: new Date(Date.now() - 1000).toISOString() })).rejects.toThrow(
      /guard refused POST \/postgres\/dpg-alphastackdb00000000-a\/recovery/,
    );
    expect((await api("GET", `/postgres/${ALPHA_DB}`)).body).toEqual(alphaBefore);
    expect((await api<any[]>("GET", "/postgres?ownerId=tea-alphastackprod000000")).body.map((w) => w.postgres.id)).toEqual([ALPHA_DB]);
  });

  it("recovers to a point in time, verifies, previews, and the up repoints DATABASE_URL; AlphaStack's database untouched", async () => {
    const alphaBefore = (await api("GET", `/postgres/${ALPHA_DB}`)).body;
    const [original] = await stagingDbs();
    const originalUrl = (await api(`GET`, `/postgres/${original.id}/connection-info`)).body.internalConnectionString;
    expect((await sharedEnv()).DATABASE_URL).toBe(originalUrl);
    // Rows written through the apps' DATABASE_URL, the recovery point ("marker"), then more writes after it.
    await sql(originalUrl, "CREATE TABLE ledger (id bigint PRIMARY KEY, amount_cents bigint NOT NULL, memo text NOT NULL)");
    await sql(originalUrl, "INSERT INTO ledger SELECT g, g * 17 % 100000, 'entry ' || g FROM generate_series(1, 5000) g");
    const [atMarker] = await sql(originalUrl, CHECKSUM);
    await new Promise((r) => setTimeout(r, 1_000));
    const marker = new Date(Date.now() - 500).toISOString();
    await new Promise((r) => setTimeout(r, 500));
    await sql(originalUrl, "INSERT INTO ledger SELECT g, 1, 'after the marker' FROM generate_series(5001, 5600) g");

    let record: RestoreRecord | undefined;
    lines.length = 0;
    const code = await restore(["--stack", "staging", "--to", marker, "--yes"], (r) => (record = r));
    expect({ code, log: code === 0 ? "" : lines.join("\n") }).toEqual({ code: 0, log: "" });
    expect(record!.applied).toBe(true);
    expect(record!.source.id).toBe(original.id);
    expect(record!.restored.restoreTime).toBe(new Date(marker).toISOString());
    expect(record!.verification.ok).toBe(true);
    // db:restore's own data verification: the table as the source held it at the marker, nothing lost.
    expect(record!.verification.rowsLost).toBe(0);
    const ledger = record!.verification.tables!.find((t) => t.table === "public.ledger")!;
    expect(ledger).toMatchObject({ rows: 5000, sourceRows: 5000, lost: 0, newerThanTarget: 0, checksum: ledger.sourceChecksum });
    console.log(
      `restore on the simulator (timeScale 0.01): recovery ${record!.recoveryMs} ms; verified ${ledger.rows} rows, rows lost ${record!.verification.rowsLost}`,
    );

    // The preview was printed before the up, and it showed the env group's change.
    const previewText = printed.find((t) => /Previewing update/.test(t)) ?? "";
    expect(previewText).toMatch(/shared-env/);
    expect(previewText).toMatch(/database-dpg-/);

    // A new database, holding the source at the marker (the simulator's own record).
    const restoredId = record!.restored.id;
    expect(restoredId).not.toBe(original.id);
    const store = new Store(stateDir);
    try {
      expect(store.get<{ recoveredFrom?: string }>("postgres", restoredId)?.recoveredFrom).toBe(`${original.id}@${new Date(marker).toISOString()}`);
    } finally {
      store.db.close();
    }
    // Its data, read independently: the checksum the source had at the marker; the source still has all 5600 rows.
    const restoredInfo = (await api(`GET`, `/postgres/${restoredId}/connection-info`)).body.internalConnectionString;
    expect((await sql(restoredInfo, CHECKSUM))[0]).toEqual(atMarker);
    expect((await sql(originalUrl, "SELECT count(*)::int AS n FROM ledger"))[0].n).toBe(5600);
    // The apps' DATABASE_URL comes from the recovered database; the original is kept.
    const restoredUrl = (await api(`GET`, `/postgres/${restoredId}/connection-info`)).body.internalConnectionString;
    expect(restoredUrl).not.toBe(originalUrl);
    expect((await sharedEnv()).DATABASE_URL).toBe(restoredUrl);
    expect((await stagingDbs()).map((d) => d.id).sort()).toEqual([original.id, restoredId].sort());
    const out = await project.outputs("staging");
    expect(out.database).toMatchObject({ id: restoredId, status: "available", restoredFrom: original.id });
    // The config names the recovered database, for review and commit.
    const doc = parse(fs.readFileSync(path.join(project.dir, "Pulumi.staging.yaml"), "utf8"));
    expect(doc.config["stackguard:database"].restore).toEqual(record!.restored);
    // No secret in what was printed or logged.
    const password = (await api(`GET`, `/postgres/${restoredId}/connection-info`)).body.password;
    expect([...lines, ...printed].join("\n")).not.toContain(password);
    // AlphaStack's database: unchanged, and no recovery of it exists.
    expect((await api("GET", `/postgres/${ALPHA_DB}`)).body).toEqual(alphaBefore);
    expect((await api<any[]>("GET", "/postgres?ownerId=tea-alphastackprod000000")).body.map((w) => w.postgres.id)).toEqual([ALPHA_DB]);

    // A second preview proposes nothing: the program and Render agree.
    const again = await project.run(["preview", "--expect-no-changes", "--stack", "staging", ...PACK]);
    expect(again.code).toBe(0);
  });
});

describe("db:restore in production: the gate previews, the up runs from the gate's plan", () => {
  const PROD_PACK = ["--policy-pack", "policies", "--policy-pack-config", "policies/config/production.json"];
  const PROD_OWNER = "tea-alphastackprod000000";
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let project: PulumiProject;
  let api: ReturnType<typeof renderApi>;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-sim-"));
  const lines: string[] = [];
  const pulumiCalls: Array<{ args: string[]; env: Record<string, string> }> = [];

  /** The real gate (policies/scripts/gate.ts) on the project copy, with the copy's backend, toolchain and simulator. */
  const gate = (stack: string, outDir: string) =>
    new Promise<{ code: number; stdout: string }>((resolve, reject) => {
      // The copy's pulumi environment (backend, PULUMI_HOME, the toolchain on PATH, the simulator): what project.run uses.
      const env = (project as unknown as { env: NodeJS.ProcessEnv }).env;
      const child = spawn(
        process.execPath,
        [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "policies/scripts/gate.ts", "--stack", stack, "--out-dir", outDir],
        { cwd: project.dir, env, stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 1, stdout: code === 0 ? stdout : `${stdout}\n${stderr}` }));
    });

  beforeAll(async () => {
    sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
    api = renderApi(sim.apiUrl, sim.apiKey);
    project = await PulumiProject.create({ render: sim });
    // The gate resolves the project from its own location: give the copy its own policies/ and tools/scripts/.
    const root = path.resolve(__dirname, "..", "..");
    fs.rmSync(path.join(project.dir, "policies"));
    fs.cpSync(path.join(root, "policies"), path.join(project.dir, "policies"), {
      recursive: true,
      filter: (src) => !src.startsWith(path.join(root, "policies", "node_modules")),
    });
    fs.symlinkSync(path.join(root, "policies", "node_modules"), path.join(project.dir, "policies", "node_modules"));
    fs.cpSync(path.join(root, "tools", "scripts"), path.join(project.dir, "tools", "scripts"), { recursive: true });
    fs.copyFileSync(path.join(root, "package-lock.json"), path.join(project.dir, "package-lock.json"));
    await project.selectStack("production");
    // Setup only: the first deployment without the pack (the promote path is what the restore below is tested on).
    const up = await project.run(["up", "--yes", "--skip-preview", "--stack", "production"]);
    if (up.code !== 0) throw new Error(`initial up failed: ${up.stderr}${up.stdout.slice(-2000)}`);
  });

  afterAll(async () => {
    project?.dispose();
    await sim?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("applies the restore from the gate's plan with its record, and leaves AlphaStack's database alone", async () => {
    const alphaBefore = (await api("GET", `/postgres/${ALPHA_DB}`)).body;
    await new Promise((r) => setTimeout(r, 1_500));
    const marker = new Date(Date.now() - 500).toISOString();
    let record: RestoreRecord | undefined;
    const printed: string[] = [];
    const code = await main(["--stack", "production", "--to", marker, "--yes"], {
      root: project.dir,
      policyArgs: PROD_PACK,
      pollMs: 100,
      onRecord: (r) => (record = r),
      log: (l) => lines.push(l),
      out: (t) => printed.push(t),
      gate,
      client: providerClient({ RENDER_API_URL: sim.apiUrl, RENDER_API_KEY: sim.apiKey, STACKGUARD_PROTECTED_IDS: ALPHA_DB }),
      // The gate runs through the project's pulumi wrapper, which, with RENDER_API_URL set, does not mark the run as
      // embedded; the up must see the same program inputs as the gate's preview or Pulumi refuses the plan.
      pulumi: (args, env = {}) => {
        pulumiCalls.push({ args, env });
        return project.run(args, { ...env, STACKGUARD_EMBEDDED: "0" });
      },
    });
    expect({ code, log: code === 0 ? "" : `${lines.join("\n")}\n${printed.join("\n").slice(-3000)}` }).toEqual({ code: 0, log: "" });
    expect(printed.join("\n")).toMatch(/gate production: PASS/);
    // The only change through pulumi: the up, from the plan the gate passed, with its record.
    const changing = pulumiCalls.filter((c) => c.args[0] !== "stack");
    expect(changing).toHaveLength(1);
    const [{ args, env }] = changing;
    expect(args.slice(0, 2)).toEqual(["up", "--yes"]);
    expect(args[args.indexOf("--plan") + 1]).toBe(record!.planFile);
    expect(env.STACKGUARD_PROMOTION).toMatch(/\.gate\.json$/);
    const group = (await api<any[]>("GET", `/env-groups?ownerId=${PROD_OWNER}`)).body.find((g) => g.name === "platform-shared-production");
    const vars = Object.fromEntries((await api("GET", `/env-groups/${group.id}`)).body.envVars.map((v: { key: string; value: string }) => [v.key, v.value]));
    expect(vars.DATABASE_URL).toBe((await api("GET", `/postgres/${record!.restored.id}/connection-info`)).body.internalConnectionString);
    expect((await api("GET", `/postgres/${ALPHA_DB}`)).body).toEqual(alphaBefore);
    // The edge admin token (a secret output) never reaches the terminal through this command.
    const token = (await project.outputs("production")).edgeAdminToken;
    expect(token.length).toBeGreaterThan(16);
    expect([...lines, ...printed].join("\n")).not.toContain(token);
  });
});
