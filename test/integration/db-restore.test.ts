/**
 * `npm run db:restore` end to end on the real engine and the simulator: `up` of staging, a recovery point, a
 * point-in-time recovery into a new database, verification, the preview and the `up` that repoints the apps'
 * DATABASE_URL, and AlphaStack's database untouched. Bad input fails before anything changes.
 *
 * The simulator keeps no rows in its Postgres (it has no SQL data plane), so the "marker" is the recovery point
 * itself: the simulator records which database and which instant a recovered database holds, and the test reads that
 * record from the simulator's own store.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { startSimulator } from "../../sim";
import { Store } from "../../sim/store/db";
import { main } from "../../tools/scripts/db-restore";
import type { RestoreRecord } from "../../infra/ops/restore";
import { providerClient } from "../../infra/providers/context";
import { PulumiProject } from "../helpers/pulumi-project";
import { renderApi } from "../helpers/render-api";

jest.setTimeout(900_000);

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
      root: project.dir, client: client(), policyArgs: PACK, pollMs: 100, onRecord,
      pulumi: (args) => project.run(args), log: (l) => lines.push(l), out: (t) => printed.push(t),
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
    project = await PulumiProject.create({ render: { apiUrl: sim.apiUrl, apiKey: sim.apiKey } });
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
    await expect(client().postgres.recover(ALPHA_DB, { restoreTime: new Date(Date.now() - 1000).toISOString() })).rejects.toThrow(/guard refused POST \/postgres\/dpg-alphastackdb00000000-a\/recovery/);
    expect((await api("GET", `/postgres/${ALPHA_DB}`)).body).toEqual(alphaBefore);
    expect((await api<any[]>("GET", "/postgres?ownerId=tea-alphastackprod000000")).body.map((w) => w.postgres.id)).toEqual([ALPHA_DB]);
  });

  it("recovers to a point in time, verifies, previews, and the up repoints DATABASE_URL; AlphaStack's database untouched", async () => {
    const alphaBefore = (await api("GET", `/postgres/${ALPHA_DB}`)).body;
    const [original] = await stagingDbs();
    const originalUrl = (await api(`GET`, `/postgres/${original.id}/connection-info`)).body.internalConnectionString;
    expect((await sharedEnv()).DATABASE_URL).toBe(originalUrl);
    // The recovery point ("marker"): an instant after the stack's first up, then a little later traffic goes on.
    await new Promise((r) => setTimeout(r, 1_500));
    const marker = new Date(Date.now() - 500).toISOString();
    await new Promise((r) => setTimeout(r, 1_000));

    let record: RestoreRecord | undefined;
    lines.length = 0;
    const code = await restore(["--stack", "staging", "--to", marker, "--yes"], (r) => (record = r));
    expect({ code, log: code === 0 ? "" : lines.join("\n") }).toEqual({ code: 0, log: "" });
    expect(record!.applied).toBe(true);
    expect(record!.source.id).toBe(original.id);
    expect(record!.restored.restoreTime).toBe(new Date(marker).toISOString());
    expect(record!.verification.ok).toBe(true);
    console.log(`restore on the simulator (timeScale 0.01): recovery ${record!.recoveryMs} ms`);

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
