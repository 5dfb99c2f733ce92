import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import type { DataPlane } from "../../../sim/dataplane";
import { alive, cleanup, dataPlane, eventually, http, json, spec, tempState } from "./helpers";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const TOKEN = "canary-tok-7f3a9c1e5b";
const FILE = "canary-file-line-d41d8cd9\nsecond-line-canary-0cc175b9\n";

/** Project apps (`stackguard/<app>:<tag>` → `apps/<app>/index.ts`) run as real child processes behind the front. */
describe("data plane: project apps as child processes", () => {
  let dir: string;
  let dp: DataPlane;
  beforeEach(() => {
    dir = tempState();
    dp = dataPlane(dir);
  });
  afterEach(async () => {
    await dp.stop();
    cleanup(dir);
  });

  const echo = (over: Parameters<typeof spec>[0] = {}) =>
    spec({ image: "stackguard/echo:1.0.0", env: { GREETING: "hello", API_TOKEN: TOKEN }, secretFiles: { "creds.txt": FILE }, ...over });

  it("runs the app with the service's env, Render's variables and its secret files, and nothing of the simulator's env", async () => {
    process.env.SG_SIMULATOR_ONLY_CANARY = "must-not-reach-the-app";
    const s = echo({ commit: undefined });
    const r = await dp.apply(s);
    delete process.env.SG_SIMULATOR_ONLY_CANARY;
    expect(r).toEqual({ url: expect.any(String), started: true });
    const body = json(await http(`${r.url}/env`));
    expect(body.env).toMatchObject({
      GREETING: "hello",
      RENDER: "true",
      RENDER_SERVICE_ID: s.id,
      RENDER_SERVICE_NAME: s.name,
      RENDER_SERVICE_TYPE: "web",
      RENDER_EXTERNAL_URL: r.url,
      RENDER_DISCOVERY_SERVICE: `${s.name}-discovery`,
      SIM_IMAGE: "stackguard/echo:1.0.0",
      SIM_DEPLOY_ID: s.deployId,
    });
    expect(body.env.RENDER_INSTANCE_ID).toMatch(new RegExp(`^${s.id}-[0-9a-f]{9}-[0-9a-f]{5}$`));
    expect(Number(body.env.PORT)).not.toBe(Number(new URL(r.url!).port));
    expect(body.apiTokenSha256).toBe(sha(TOKEN));
    expect(body.credsSha256).toBe(sha(FILE));
    expect(body.keys).not.toContain("SG_SIMULATOR_ONLY_CANARY");
    expect(body.keys).not.toContain("JEST_WORKER_ID");
    expect((await http(`${r.url}/echo`, { method: "POST", body: "ping" })).body).toContain('"body":"ping"');
  });

  it("keeps secret values out of the service log, even split across output chunks", async () => {
    const s = echo();
    await dp.apply(s);
    const path = dp.logPath(s.id)!;
    await eventually(() => readFileSync(path, "utf8").includes("echo: split"), 10_000, "split line logged");
    const log = readFileSync(path, "utf8");
    expect(log).toContain("echo: starting with API_TOKEN=[REDACTED]");
    expect(log).toContain('{"API_TOKEN":"[REDACTED]"}');
    expect(log).toContain("echo: split [REDACTED] end");
    expect(log).toContain("stderr: echo: creds file says [REDACTED]");
    for (const canary of [TOKEN, TOKEN.slice(0, 12), "canary-file-line-d41d8cd9", "second-line-canary-0cc175b9"]) expect(log).not.toContain(canary);
  });

  it("rolls a new deploy with zero downtime: a request loop during the switch never fails", async () => {
    const s = echo();
    const { url } = await dp.apply(s);
    const oldPids = dp.pids(s.id);
    const statuses: number[] = [];
    const deploys = new Set<string>();
    let running = true;
    const loop = async () => {
      while (running) {
        try {
          const r = await http(`${url}/version`);
          statuses.push(r.status);
          deploys.add(json(r).deployId);
        } catch (e) {
          statuses.push(-1);
        }
      }
    };
    const loops = [loop(), loop(), loop(), loop()];
    // The new version takes a while to listen: the old one must keep answering meanwhile.
    const next = echo({ id: s.id, name: s.name, slug: s.slug, deployId: "dep-second0000000000000", env: { ...s.env, FIXTURE_START_DELAY_MS: "400" } });
    const r = await dp.apply(next);
    await new Promise((res) => setTimeout(res, 300));
    running = false;
    await Promise.all(loops);
    expect(r.started).toBe(true);
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((c) => c !== 200)).toEqual([]);
    expect(deploys).toEqual(new Set([s.deployId, next.deployId]));
    expect(json(await http(`${url}/version`)).deployId).toBe(next.deployId);
    await eventually(() => oldPids.every((p) => !alive(p)), 10_000, "old instance stopped");
    expect(readFileSync(dp.logPath(s.id)!, "utf8")).toContain("echo: SIGTERM, draining");
  });

  it("keeps the old version serving when the new one exits or never turns healthy, and says why", async () => {
    const s = echo();
    const { url } = await dp.apply(s);
    const crash = await dp.apply({ ...s, deployId: "dep-crashes000000000000", env: { ...s.env, FIXTURE_EXIT_CODE: "7" } });
    expect(crash).toEqual({
      url,
      started: false,
      reason: expect.stringMatching(/exited with code 7 before it answered \(last stderr: echo: exiting with 7 as asked, token \[REDACTED\]\)$/),
    });
    expect(crash.reason).not.toContain(TOKEN);
    expect(json(await http(`${url}/version`)).deployId).toBe(s.deployId);

    const quickDir = tempState();
    const quick = dataPlane(quickDir, { startTimeoutMs: 2_500 });
    try {
      const t = echo();
      await quick.apply(t);
      const sick = await quick.apply({ ...t, deployId: "dep-unhealthy00000000000", env: { ...t.env, FIXTURE_UNHEALTHY: "1" } });
      expect(sick.started).toBe(false);
      expect(sick.reason).toMatch(/did not answer \/healthz within 2500 ms \(last: HTTP 500\)/);
      expect(json(await http(`${sick.url}/version`)).deployId).toBe(t.deployId);
    } finally {
      await quick.stop();
      cleanup(quickDir);
    }
  });

  it("runs numInstances separate processes behind the front, round-robin, and scales without a restart", async () => {
    const s = echo({ numInstances: 2 });
    const { url } = await dp.apply(s);
    const pids = dp.pids(s.id);
    expect(new Set(pids).size).toBe(2);
    const seen = new Set<number>();
    for (let i = 0; i < 4; i++) seen.add(json(await http(`${url}/version`)).pid);
    expect([...seen].sort()).toEqual([...pids].sort());
    // Each instance is reachable on its own URL too, with its own RENDER_INSTANCE_ID.
    const ids = await Promise.all(dp.instances(s.id).map(async (i) => [i.id, json(await http(`${i.url}/env`)).env.RENDER_INSTANCE_ID]));
    expect(ids).toHaveLength(2);
    for (const [id, seenId] of ids) expect(seenId).toBe(id);
    await dp.apply({ ...s, numInstances: 3 });
    const three = dp.pids(s.id);
    expect(three).toHaveLength(3);
    expect(three).toEqual(expect.arrayContaining(pids));
    await dp.apply({ ...s, numInstances: 1 });
    await eventually(() => three.filter(alive).length === 1, 10_000, "scaled in to one process");
  });

  it("rolls on an env change, stops instances while suspended and starts them again on resume", async () => {
    const s = echo({ type: "private_service", healthCheckPath: "" });
    const { url } = await dp.apply(s);
    expect(json(await http(`${url}/env`)).env).toMatchObject({ GREETING: "hello", RENDER_SERVICE_TYPE: "pserv", RENDER_EXTERNAL_URL: "" });
    const [first] = dp.pids(s.id);
    await dp.apply({ ...s, env: { ...s.env, GREETING: "bonjour" } });
    expect(json(await http(`${url}/env`)).env.GREETING).toBe("bonjour");
    expect(dp.pids(s.id)).not.toContain(first);

    const [running] = dp.pids(s.id);
    await dp.apply({ ...s, env: { ...s.env, GREETING: "bonjour" }, suspended: true });
    expect(alive(running)).toBe(false);
    expect(dp.pids(s.id)).toEqual([]);
    expect((await http(`${url}/env`)).status).toBe(503);
    expect((await dp.apply({ ...s, env: { ...s.env, GREETING: "bonjour" } })).started).toBe(true);
    expect(json(await http(`${url}/env`)).env.GREETING).toBe("bonjour");
  });

  it("applies faults at the front of a real app", async () => {
    const s = echo();
    const { url } = await dp.apply(s);
    dp.setFaults(s.id, { healthy: false });
    expect((await http(`${url}/healthz`)).status).toBe(503);
    dp.setFaults(s.id, { healthy: true, errorRate: 1 });
    expect((await http(`${url}/anything`)).status).toBe(500);
    expect((await http(`${url}/healthz`)).status).toBe(200);
    dp.setFaults(s.id, { latencyMs: 120 });
    const slow = await http(`${url}/anything`);
    expect(slow.status).toBe(200);
    expect(slow.ms).toBeGreaterThanOrEqual(120);
  });

  it("restarts an instance that crashes, like Render", async () => {
    const s = echo();
    const { url } = await dp.apply(s);
    const [pid] = dp.pids(s.id);
    await http(`${url}/crash`);
    await eventually(() => !alive(pid), 5_000, "crashed");
    await eventually(
      async () => {
        const r = await http(`${url}/version`).catch(() => undefined);
        return r?.status === 200 && json(r).pid !== pid;
      },
      20_000,
      "replacement instance answering",
    );
    expect(readFileSync(dp.logPath(s.id)!, "utf8")).toMatch(/exited with code 3; restarting in \d+ ms/);
  });

  it("runs a background worker app with no port to answer on", async () => {
    const s = spec({ type: "background_worker", image: "stackguard/ticker:3", healthCheckPath: "", env: { WORKER_SECRET: "canary-worker-9e107d9d" } });
    expect(await dp.apply(s)).toEqual({ url: undefined, started: true });
    const [pid] = dp.pids(s.id);
    expect(alive(pid)).toBe(true);
    await eventually(() => /tick \d+ worker \[REDACTED\]/.test(readFileSync(dp.logPath(s.id)!, "utf8")), 5_000, "ticks logged");
    expect(readFileSync(dp.logPath(s.id)!, "utf8")).not.toContain("canary-worker-9e107d9d");
    await dp.remove(s.id);
    expect(alive(pid)).toBe(false);
  });

  it("refuses an app directory without index.ts, naming the file to add", async () => {
    const r = await dp.apply(spec({ image: "stackguard/broken:1" }));
    expect(r.started).toBe(false);
    expect(r.reason).toMatch(/apps\/broken\/.*no index\.ts entry point; add apps\/broken\/index\.ts/);
  });

  it("stops every child on stop()", async () => {
    const a = echo({ numInstances: 2 });
    await dp.apply(a);
    const pids = dp.pids(a.id);
    expect(pids.every(alive)).toBe(true);
    await dp.stop();
    expect(pids.some(alive)).toBe(false);
  });
});

/** The simulator process dies: its children must not outlive it. */
describe("data plane: no orphans", () => {
  const host = join(__dirname, "orphan-host.ts");

  async function startHost(dir: string) {
    const proc = spawn(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), host, dir], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    proc.stderr.on("data", (c) => (err += c));
    const pids = await new Promise<number[]>((resolve, reject) => {
      proc.stdout.on("data", (c) => {
        out += c;
        const m = /READY (\[.*\])/.exec(out);
        if (m) resolve(JSON.parse(m[1]));
      });
      proc.once("exit", (code) => reject(new Error(`host exited with ${code}: ${err}`)));
    });
    return { proc, pids };
  }

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    it(`stops the children when the simulator gets ${signal}`, async () => {
      const dir = tempState();
      try {
        const { proc, pids } = await startHost(dir);
        expect(pids).toHaveLength(2);
        expect(pids.every(alive)).toBe(true);
        proc.kill(signal);
        await eventually(() => pids.every((p) => !alive(p)), 10_000, `children gone after ${signal}`);
      } finally {
        cleanup(dir);
      }
    });
  }
});
