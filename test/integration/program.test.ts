/**
 * The program on the real engine: `pulumi up`, a change, an out-of-band change seen by `refresh`, a mandatory policy
 * stopping an `up`, the provider guard refusing the same write without the pack, and `destroy` leaving nothing
 * behind. Real `pulumi` CLI (the pinned toolchain), real policy pack, real simulator over HTTP.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Redis from "ioredis";
import { startSimulator } from "../../sim";
import { PulumiProject } from "../support/pulumi-project";
import { renderApi } from "../support/render-api";

jest.setTimeout(600_000);

const STAGING_OWNER = "tea-stackguardstaging000";
const ENGINE = "srv-alphastackengine0000";
const PACK = ["--policy-pack", "policies", "--policy-pack-config", "policies/config/staging.json"];

/** A forbidden change: an env var written onto AlphaStack's engine, through this project's own provider. */
const TOUCH_ALPHASTACK = `
import * as pulumi from "@pulumi/pulumi";
import { EnvVars } from "../infra/providers";
new EnvVars("engine-tweak", { serviceId: "${ENGINE}", values: { RISK_LIMIT: pulumi.secret("999999") } });
`;

describe("the program on the real engine and the simulator", () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let project: PulumiProject;
  let api: ReturnType<typeof renderApi>;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-sim-"));

  const ownServices = async () => (await api<any[]>("GET", `/services?ownerId=${STAGING_OWNER}&limit=100`)).body.map((w) => w.service);
  const up = (...extra: string[]) => project.run(["up", "--yes", "--skip-preview", "--stack", "staging", ...extra]);

  beforeAll(async () => {
    sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
    api = renderApi(sim.apiUrl, sim.apiKey);
    project = await PulumiProject.create({ render: sim });
    await project.selectStack("staging");
  });

  afterAll(async () => {
    project?.dispose();
    await sim?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("creates the staging platform with the policy pack, and a second preview proposes nothing", async () => {
    const r = await up(...PACK);
    expect(r.stderr + r.stdout).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    const names = (await ownServices()).map((s) => s.name).sort();
    expect(names).toEqual(["api-blue", "api-green", "edge-staging", "frontend", "guardian-staging", "worker"]);
    const out = await project.outputs("staging");
    expect(out.apps.api.blue).toMatch(/^srv-/);
    expect(out.alphaStack.map((s: { id: string }) => s.id)).toContain(ENGINE);
    // The deployed edge holds no Render API key at all (neither the operator's nor a seeded user's): its shared state
    // is in the environment's own Key Value instance, which the program created with `noeviction`.
    const edge = (await ownServices()).find((s) => s.name === "edge-staging");
    const edgeEnv = (await api<Array<{ envVar: { key: string; value: string } }>>("GET", `/services/${edge.id}/env-vars?limit=100`)).body.map((e) => e.envVar);
    expect(edgeEnv.map((e) => e.key).filter((k) => /RENDER_API/.test(k))).toEqual([]);
    for (const key of [sim.apiKey, ...Object.values(sim.keys ?? {})]) expect(edgeEnv.map((e) => e.value)).not.toContain(key);
    const kv = (
      await api<Array<{ keyValue: { id: string; name: string; options: { maxmemoryPolicy: string } } }>>("GET", `/key-value?ownerId=${STAGING_OWNER}&limit=100`)
    ).body.map((w) => w.keyValue);
    const state = kv.find((k) => k.name === "platform-staging-edge-state");
    expect(state?.options.maxmemoryPolicy).toBe("noeviction");
    const info = (await api<{ internalConnectionString: string }>("GET", `/key-value/${state!.id}/connection-info`)).body;
    expect(edgeEnv.find((e) => e.key === "EDGE_KEY_VALUE_URL")?.value).toBe(info.internalConnectionString);
    // …and the edge keeps its state there: the active slots are in the Key Value document.
    const redis = new Redis(info.internalConnectionString, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const doc = JSON.parse((await redis.hget("stackguard:edge:state", "doc")) ?? "{}");
      expect(doc.active?.api).toMatch(/^(blue|green)$/);
    } finally {
      redis.disconnect();
    }
    const again = await project.run(["preview", "--refresh", "--expect-no-changes", "--stack", "staging", ...PACK]);
    expect(again.stderr).not.toMatch(/changes were proposed/);
    expect(again.code).toBe(0);
  });

  it("applies a config change in place", async () => {
    project.editConfig("staging", (cfg) => (cfg.apps.worker.instances = 2));
    const r = await up(...PACK);
    expect(r.code).toBe(0);
    const worker = (await ownServices()).find((s) => s.name === "worker");
    expect(worker.serviceDetails.numInstances).toBe(2);
  });

  it("manages the workspace's log stream from stack config, its token a secret never in plaintext state", async () => {
    const TOKEN = "canary-log-stream-token-5f1e9a";
    project.editConfig("staging", (cfg) => (cfg.logStream = { endpoint: "logs.example.com:6514" }));
    // Without the token: refused before any resource is touched, naming the fix.
    const missing = await up(...PACK);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr + missing.stdout).toMatch(
      /stackguard:logStream is set but stackguard:logStreamToken is not: run `pulumi config set --secret stackguard:logStreamToken/,
    );
    const set = await project.run(["config", "set", "--secret", "stackguard:logStreamToken", "--stack", "staging"], {}, 60_000, TOKEN);
    expect(set.code).toBe(0);
    const r = await up(...PACK);
    expect(r.code).toBe(0);
    const stream = (await api<{ endpoint: string; preview: string }>("GET", `/logs/streams/owner/${STAGING_OWNER}`)).body;
    expect(stream).toMatchObject({ endpoint: "logs.example.com:6514", preview: "drop" });
    const state = await project.run(["stack", "export", "--stack", "staging"]);
    expect(state.stdout).toContain("render:LogStream");
    expect(state.stdout).not.toContain(TOKEN);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    // Removed from config: the stream is deleted with it.
    project.editConfig("staging", (cfg) => delete cfg.logStream);
    expect((await up(...PACK)).code).toBe(0);
    expect((await api("GET", `/logs/streams/owner/${STAGING_OWNER}`)).status).toBe(404);
  });

  it("sees an out-of-band change on refresh, and the next up restores the declared state", async () => {
    const worker = (await ownServices()).find((s) => s.name === "worker");
    expect((await api("POST", `/services/${worker.id}/scale`, { numInstances: 4 })).status).toBe(202);
    const drift = await project.run(["preview", "--refresh", "--expect-no-changes", "--diff", "--stack", "staging"]);
    expect(drift.code).not.toBe(0);
    expect(drift.stdout).toMatch(/numInstances\s*:\s*4\s*=>\s*2/);
    expect((await up("--refresh", ...PACK)).code).toBe(0);
    expect((await ownServices()).find((s) => s.name === "worker").serviceDetails.numInstances).toBe(2);
  });

  it("a mandatory policy stops an up that would touch AlphaStack, and nothing changes on Render", async () => {
    const before = (await api("GET", `/services/${ENGINE}/env-vars`)).body;
    project.setScenario(TOUCH_ALPHASTACK);
    const r = await up(...PACK);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain("alphastack-frozen");
    expect(r.stdout).toMatch(/mandatory/);
    expect(r.stdout).toContain(ENGINE);
    expect((await api("GET", `/services/${ENGINE}/env-vars`)).body).toEqual(before);
  });

  it("without the policy pack, the provider guard still refuses the write", async () => {
    const before = (await api("GET", `/services/${ENGINE}/env-vars`)).body;
    const r = await up();
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/protected/i);
    expect((await api("GET", `/services/${ENGINE}/env-vars`)).body).toEqual(before);
    project.setScenario(undefined);
  });

  it("destroy leaves nothing of the stack behind, and AlphaStack untouched", async () => {
    const r = await project.run(["destroy", "--yes", "--skip-preview", "--stack", "staging"]);
    expect(r.stderr + r.stdout).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    expect(await ownServices()).toEqual([]);
    const groups = (await api<any[]>("GET", `/env-groups?ownerId=${STAGING_OWNER}`)).body;
    expect(groups).toEqual([]);
    const dbs = (await api<any[]>("GET", `/postgres?ownerId=${STAGING_OWNER}`)).body;
    expect(dbs).toEqual([]);
    const engine = await api("GET", `/services/${ENGINE}`);
    expect(engine.status).toBe(200);
    expect(engine.body.suspended).toBe("not_suspended");
  });
});
