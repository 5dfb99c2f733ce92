/**
 * Blue/green promotion on the real engine: real `pulumi` CLI (pinned toolchain), the real program, the in-process
 * simulator with its data plane (the edge runs as a real `apps/edge` process; slots are synthetic apps with faults).
 * One stack goes through a sequence of promotions; each test starts from the state the previous one left.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startSimulator } from "../../sim";
import { EdgeAdminClient, type EdgeStateView } from "../../infra/edge-contract";
import { PulumiProject, ROOT } from "../support/pulumi-project";
import { renderApi } from "../support/render-api";
import { killUp, traffic } from "../support/promotion-traffic";
import { PLOT_COLORS } from "../../infra/report/plot";
import { readAttempts } from "../../infra/promotion/journal";

jest.setTimeout(900_000);

const STACK = "staging";
/** Small, fast analysis: 3 probes 200 ms apart; a 3 s bake in 1 s windows needing 5 requests each. */
const ANALYSIS = {
  deployTimeoutMs: 60_000,
  preSwitch: { probes: 3, intervalMs: 200, timeoutMs: 1_000, maxLatencyMs: 1_000 },
  postSwitch: { bakeMs: 3_000, intervalMs: 1_000, minSamples: 5, maxErrorRate: 0.05, maxP99LatencyMs: 1_000 },
};

describe("blue/green promotion, rollback and drift on the real engine", () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let project: PulumiProject;
  let api: ReturnType<typeof renderApi>;
  let edge: EdgeAdminClient;
  let edgeUrl: string;
  let slots: { blue: string; green: string };
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-bg-sim-"));

  const up = (...extra: string[]) => project.run(["up", "--yes", "--skip-preview", "--stack", STACK, ...extra]);
  const setVersion = (version: string, analysis: Record<string, unknown> = ANALYSIS) =>
    project.editConfig(STACK, (cfg) => {
      cfg.apps.api.version = version;
      cfg.apps.api.analysis = analysis;
    });
  const fault = async (slot: "blue" | "green", f: Record<string, unknown>) => {
    const r = await fetch(`${sim.url}/__sim/services/${slots[slot]}/faults`, {
      method: "PUT",
      headers: { authorization: `Bearer ${sim.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(f),
    });
    expect(r.status).toBe(200);
  };
  const clearFaults = async () => {
    for (const s of ["blue", "green"] as const) await fault(s, { healthy: true, errorRate: 0, latencyMs: 0, failNextDeploy: false });
  };
  const state = (): Promise<EdgeStateView> => edge.getState();
  const liveImage = async (slot: "blue" | "green") => {
    const deploys = (await api<any[]>("GET", `/services/${slots[slot]}/deploys?limit=10`)).body.map((d) => d.deploy);
    return deploys.find((d) => d.status === "live")?.image?.ref as string;
  };
  const waitFor = async (what: string, cond: () => Promise<boolean>, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await cond())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** `npm run rollback` as a user runs it (ts-node), against the project copy's stack. */
  const rollback = (...args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", path.join(ROOT, "tools", "scripts", "rollback.ts"), ...args, "--cwd", project.dir],
        {
          cwd: ROOT,
          env: { ...process.env, ...project.env },
        },
      );
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("close", (code) => resolve({ code: code ?? 1, out }));
    });

  /** `npm run report:deploy` as CI runs it (ts-node), against the project copy's stack; `out` is stdout, `err` stderr. */
  const deployReport = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", path.join(ROOT, "tools", "scripts", "deploy-report.ts"), ...args, "--cwd", project.dir],
        {
          cwd: ROOT,
          env: { ...process.env, ...project.env, ...env },
        },
      );
      let out = "",
        err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      child.on("close", (code) => resolve({ code: code ?? 1, out: out.trim(), err }));
    });
  /** Points on a report's error-rate line (one per measured window with requests). */
  const errorRatePoints = (html: string) => (html.match(new RegExp(`<circle [^>]*fill="${PLOT_COLORS.errorRate}"`, "g")) ?? []).length;

  beforeAll(async () => {
    sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
    api = renderApi(sim.apiUrl, sim.apiKey);
    project = await PulumiProject.create({ render: sim });
    await project.selectStack(STACK);
    setVersion("1.4.2");
  });

  afterAll(async () => {
    project?.dispose();
    await sim?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("creates both slots on the declared version, traffic on blue, with a baseline verdict", async () => {
    const r = await up();
    expect(r.stderr + r.stdout).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    const out = await project.outputs(STACK);
    edgeUrl = out.edgeUrl;
    slots = { blue: out.apps.api.blue, green: out.apps.api.green };
    edge = new EdgeAdminClient({ url: edgeUrl, token: out.edgeAdminToken });
    expect(out.apps.api).toMatchObject({ activeSlot: "blue", versions: { blue: "1.4.2", green: "1.4.2" }, lastPromotion: { result: "already-active" } });
    const s = await state();
    expect(s.apps.api.active).toBe("blue");
    expect(s.apps.api.slots.blue.verdict).toMatchObject({ phase: "Successful", reason: expect.stringMatching(/^baseline:/) });
    // The token is a secret in the state, never plain text.
    const exported = await project.run(["stack", "export", "--stack", STACK]);
    expect(exported.stdout).not.toContain(out.edgeAdminToken);
  });

  it("promotes a healthy version: deploy to the idle slot, probe, switch, bake; the old slot stays warm", async () => {
    setVersion("1.5.0");
    const load = traffic(edgeUrl);
    const t0 = Date.now();
    const r = await up();
    const counts = await load.stop();
    console.log(`promotion 1.4.2 → 1.5.0: pulumi up ${Date.now() - t0} ms; traffic during it: ${JSON.stringify(counts)}`);
    expect(r.stderr + r.stdout).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    const out = await project.outputs(STACK);
    expect(out.apps.api).toMatchObject({
      activeSlot: "green",
      versions: { blue: "1.4.2", green: "1.5.0" },
      lastPromotion: { result: "promoted", from: "blue", to: "green", version: "1.5.0" },
    });
    console.log(`promotion timings: ${JSON.stringify(out.apps.api.lastPromotion.timings)}`);
    expect((await state()).apps.api.active).toBe("green");
    expect(await liveImage("green")).toBe("docker.io/alphaplatform/api:1.5.0");
    // Warm: the previous version still answers on its own URL, and nothing failed during the switch.
    expect(await liveImage("blue")).toBe("docker.io/alphaplatform/api:1.4.2");
    expect((await state()).apps.api.slots.blue.health).toBe("Successful");
    expect(Object.keys(counts).filter((k) => k !== "200")).toEqual([]);
    // Converged: a refreshed preview proposes nothing (the slots' image is the switch's, not the Service's; the
    // recorded traffic windows are outputs only).
    const again = await project.run(["preview", "--refresh", "--expect-no-changes", "--stack", STACK]);
    expect(again.code).toBe(0);

    // The deploy report of this up: built from the real outputs and history. The traffic windows the switch measured
    // through the edge (before the switch on blue, the bake on green) are in its record, bounded.
    const windows: Array<{ slot: string; samples: number; errorRate?: number }> = out.apps.api.lastPromotion.traffic.windows;
    expect(windows.length).toBeLessThanOrEqual(120);
    expect(windows.filter((w) => w.slot === "green").length).toBe(3);
    expect(windows.some((w) => w.slot === "blue" && w.samples > 0)).toBe(true);
    expect(out.apps.api.lastPromotion.traffic.limits).toEqual({ maxErrorRate: 0.05, maxP99LatencyMs: 1_000 });
    // A preview document with secrets planted where the report shows text: the edge admin token (a secret output),
    // the Render key of the environment, and a canary given as PULUMI_ACCESS_TOKEN.
    const canary = "canary-deploy-report-" + "9d41f0c2e7";
    const changes = path.join(project.dir, "preview.json");
    fs.writeFileSync(
      changes,
      JSON.stringify({
        steps: [
          {
            op: "update",
            urn: "urn:pulumi:staging::stackguard::stackguard:components:BlueGreenApp$pulumi-nodejs:dynamic/stackguard:TrafficSwitch::api-switch",
            newState: { type: "pulumi-nodejs:dynamic/stackguard:TrafficSwitch" },
            diffReasons: ["version"],
          },
          {
            op: "update",
            urn: `urn:pulumi:staging::stackguard::pulumi-nodejs:dynamic/render:EnvVars::planted-${out.edgeAdminToken}-${sim.apiKey}-${canary}`,
            newState: { type: "pulumi-nodejs:dynamic/render:EnvVars" },
            diffReasons: [canary],
          },
        ],
      }),
    );
    const file = path.join(project.dir, "reports", "promotion.html");
    const t1 = Date.now();
    const rep = await deployReport(["--stack", STACK, "--out", file, "--changes", changes], { PULUMI_ACCESS_TOKEN: canary });
    console.log(`npm run report:deploy: ${Date.now() - t1} ms`);
    expect(rep.err).not.toMatch(/failed|error/i);
    expect(rep.code).toBe(0);
    expect(rep.out).toBe(file);
    const html = fs.readFileSync(file, "utf8");
    expect(html).toContain('Deploy report: stack <code>staging</code> <span class="badge ok">succeeded');
    expect(html).toMatch(/<h3>api: 1\.4\.2 → 1\.5\.0 \(blue → green\) <span class="badge ok">promoted<\/span><\/h3>/);
    expect(html).toMatch(/<td>pre-switch<\/td><td><span class="badge ok">Successful<\/span><\/td><td>pre-switch probe: 3 of 3/);
    expect(html).toMatch(/<td>post-switch<\/td><td><span class="badge ok">Successful<\/span><\/td><td>post-switch traffic: /);
    expect(html).toMatch(/<td>api<\/td><td><strong>green<\/strong><\/td><td>1\.4\.2 \(warm\)<\/td><td>1\.5\.0 \(live\)<\/td>/);
    expect(html).toMatch(/<td>api-switch<\/td><td><code>stackguard:TrafficSwitch<\/code><\/td><td>update<\/td><td>version<\/td>/);
    expect(html).toContain("Applied by the update (pulumi stack history): update 1");
    // The plot: one point per measured window with requests, the limits, the switch.
    expect(errorRatePoints(html)).toBe(windows.filter((w) => w.errorRate !== undefined).length);
    expect(errorRatePoints(html)).toBeGreaterThanOrEqual(4);
    expect(html).toContain("switch → green");
    expect(html).toContain("limit 5.0%");
    for (const secret of [out.edgeAdminToken, sim.apiKey, canary]) expect(html).not.toContain(secret);
    expect(html).toContain("planted-[REDACTED]");
  });

  it("a version whose health check fails on the idle slot never receives traffic", async () => {
    await fault("blue", { healthy: false });
    setVersion("1.6.0");
    const r = await up();
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(
      /pre-switch analysis of api 1\.6\.0 on api-blue Failed: .*status 503.*the version received no traffic, traffic stays on api-green \(1\.5\.0\)/s,
    );
    const s = await state();
    expect(s.apps.api.active).toBe("green");
    expect(s.apps.api.slots.blue.verdict?.phase).toBe("Failed");
    expect((await edge.events()).filter((e) => e.kind === "switch" && e.to === "blue" && e.reason.includes("1.6.0"))).toEqual([]);
    await clearFaults();
  });

  it("a deploy that fails (failNextDeploy) fails the update and leaves traffic where it was", async () => {
    await fault("blue", { failNextDeploy: true });
    setVersion("1.6.1");
    const r = await up();
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(
      /deploy dep-\w+ of docker\.io\/alphaplatform\/api:1\.6\.1 to api-blue ended update_failed; traffic stays on api-green \(1\.5\.0\)/,
    );
    expect((await state()).apps.api.active).toBe("green");
  });

  it("a version that fails only after the switch is rolled back by the post-switch analysis", async () => {
    await clearFaults();
    setVersion("1.7.0");
    // The hook: watch the edge; the moment traffic reaches the new slot, make it fail half its requests (its health
    // path keeps answering, so only the bake on real traffic can see it).
    let switchedAt = 0,
      restoredAt = 0;
    const watcher = (async () => {
      await waitFor("the switch to blue", async () => (await state()).apps.api.active === "blue", 120_000);
      switchedAt = Date.now();
      await fault("blue", { errorRate: 0.5 });
      await waitFor("the switch back to green", async () => (await state()).apps.api.active === "green", 120_000);
      restoredAt = Date.now();
    })();
    const load = traffic(edgeUrl);
    const since = new Date().toISOString();
    const r = await up();
    await watcher;
    await load.stop();
    console.log(`post-switch rollback: switched → back on the old slot in ${restoredAt - switchedAt} ms`);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(
      /post-switch analysis of api 1\.7\.0 on api-blue Failed: post-switch traffic: .*error rate [0-9.]+%.*want: error rate < 5%.*traffic is back on api-green \(1\.5\.0\)/s,
    );
    const s = await state();
    expect(s.apps.api.active).toBe("green");
    expect(s.apps.api.slots.blue.verdict).toMatchObject({ phase: "Failed", reason: expect.stringMatching(/^post-switch:/) });
    await clearFaults();

    // The failed update's report (as promote.yml makes it with `if: always()`): the switch journaled the rolled-back
    // promotion with the traffic it measured; the outputs still describe 1.5.0's promotion, which is not this update's.
    const [attempt] = readAttempts(path.join(project.dir, ".stackguard", "promotions"), edgeUrl).filter((a) => a.attempt.version === "1.7.0");
    expect(attempt.attempt).toMatchObject({ phase: "post-switch", result: "rolled-back", from: "green", to: "blue" });
    const file = path.join(project.dir, "reports", "rolled-back.html");
    const rep = await deployReport(["--stack", STACK, "--out", file, "--since", since]);
    expect(rep.code).toBe(0);
    const html = fs.readFileSync(file, "utf8");
    expect(html).toContain('<span class="badge bad">rolled-back</span></h1>');
    expect(html).toMatch(/<h3>api: 1\.5\.0 → 1\.7\.0 \(green → blue\) <span class="badge bad">rolled-back/);
    expect(html).toMatch(/<td>post-switch<\/td><td><span class="badge bad">Failed<\/span><\/td><td>post-switch analysis of api 1\.7\.0 on api-blue Failed: /);
    expect(html).toContain("switch back → green");
    expect(html).not.toContain("1.4.2 → 1.5.0");
    expect(errorRatePoints(html)).toBe(attempt.attempt.traffic!.windows.filter((w) => w.errorRate !== undefined).length);
    expect(attempt.attempt.traffic!.windows.some((w) => w.slot === "blue" && (w.errorRate ?? 0) > 0.05)).toBe(true);
    expect(html).toMatch(/<td>api<\/td><td><strong>green<\/strong><\/td><td>1\.7\.0 \(warm\)<\/td><td>1\.5\.0 \(live\)/);
    expect(html).not.toContain((await project.outputs(STACK)).edgeAdminToken);
  });

  it("low traffic gives Inconclusive: traffic back where it was, the slot not marked failed; onInconclusive: promote accepts it", async () => {
    setVersion("1.8.0");
    const r = await up();
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(
      /post-switch analysis of api 1\.8\.0 on api-blue Inconclusive: .*traffic is back on api-green \(1\.5\.0\).*onInconclusive: promote/s,
    );
    let s = await state();
    expect(s.apps.api.active).toBe("green");
    expect(s.apps.api.slots.blue.verdict?.phase).toBe("Inconclusive");

    setVersion("1.8.0", { ...ANALYSIS, onInconclusive: "promote" });
    const again = await up();
    expect(again.code).toBe(0);
    const out = await project.outputs(STACK);
    expect(out.apps.api).toMatchObject({ activeSlot: "blue", lastPromotion: { result: "promoted-inconclusive", from: "green", to: "blue" } });
    s = await state();
    expect(s.apps.api.active).toBe("blue");
  });

  it("npm run rollback: clear errors, refuses an unhealthy warm slot, switches at once, and is safe to re-run", async () => {
    const unknownApp = await rollback("--stack", STACK, "--app", "nope");
    expect(unknownApp.code).toBe(1);
    expect(unknownApp.out).toMatch(/unknown app 'nope' in stack 'staging'; blue\/green apps there: api/);
    const unknownStack = await rollback("--stack", "nostack", "--app", "api");
    expect(unknownStack.code).toBe(1);
    expect(unknownStack.out).toMatch(/cannot read the outputs of stack 'nostack'/);

    await fault("green", { healthy: false });
    const refused = await rollback("--stack", STACK, "--app", "api");
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/rollback refused by the edge: slot green of api is not healthy.*--force/s);
    expect((await state()).apps.api.active).toBe("blue");
    await clearFaults();
    await waitFor("green healthy on the edge", async () => (await state()).apps.api.slots.green.health === "Successful");

    const t0 = Date.now();
    const done = await rollback("--stack", STACK, "--app", "api");
    console.log(`npm run rollback: ${Date.now() - t0} ms including the stack output read`);
    expect(done.out).toMatch(/switched api from api-blue \(1\.8\.0\) to api-green \(1\.5\.0\)/);
    expect(done.code).toBe(0);
    expect((await state()).apps.api.active).toBe("green");
    const rerun = await rollback("--stack", STACK, "--app", "api");
    expect(rerun.code).toBe(0);
    expect(rerun.out).toMatch(/already on api-green \(1\.5\.0\); nothing changed/);
    expect(done.out + rerun.out).not.toContain((await project.outputs(STACK)).edgeAdminToken);
  });

  it("the edge's own steady-state rollback shows as drift on the next preview --refresh", async () => {
    // The manual rollback above is drift too: the next up promotes 1.8.0 again (idle slot already runs it).
    const load = traffic(edgeUrl);
    const r = await up();
    await load.stop();
    expect(r.code).toBe(0);
    expect((await state()).apps.api.active).toBe("blue");

    const t0 = Date.now();
    await fault("blue", { healthy: false });
    await waitFor("the edge's automatic rollback", async () => (await state()).apps.api.active === "green");
    console.log(`edge auto-rollback: fault → traffic on the warm slot in ${Date.now() - t0} ms`);
    const events = await edge.events();
    expect(events.some((e) => e.kind === "auto-rollback" && e.app === "api" && e.to === "green")).toBe(true);

    const drift = await project.run(["preview", "--refresh", "--expect-no-changes", "--diff", "--stack", STACK]);
    expect(drift.code).not.toBe(0);
    expect(drift.stdout).toMatch(/activeSlot\s*:\s*"blue"\s*=>\s*"green"/);
    expect(drift.stdout).toMatch(/stackguard:TrafficSwitch/);
    await clearFaults();
  });

  it("an up killed during the deploy or during the bake leaves traffic on a slot that passed, and the next up converges", async () => {
    const env = project.env;
    /**
     * Starts `pulumi up` and SIGKILLs it when `when` holds: `cli` kills only the CLI's process group (providers run in
     * groups of their own and are orphaned: the switch's provider must stop by itself), `tree` kills every process.
     */
    const killedUp = async (mode: "cli" | "tree", when: () => Promise<boolean>) => {
      const child = spawn("pulumi", ["up", "--yes", "--skip-preview", "--stack", STACK, "--non-interactive"], {
        cwd: project.dir,
        env,
        detached: true,
        stdio: "ignore",
      });
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      await waitFor("the kill point", when, 120_000);
      const leftRunning = await killUp(child.pid!, mode);
      await exited;
      return leftRunning;
    };
    const passed = async () => {
      const s = await state();
      const v = s.apps.api.slots[s.apps.api.active].verdict;
      return { active: s.apps.api.active, ok: v?.phase === "Successful", v };
    };
    const load = traffic(edgeUrl);
    try {
      // Killed while the new version deploys to the idle slot (right after the slot was marked pending).
      setVersion("1.9.0");
      const left = await killedUp("cli", async () =>
        (await edge.events()).some((e) => e.kind === "analysis" && e.reason.includes("pending:") && e.reason.includes(":1.9.0;")),
      );
      expect(left.filter((c) => c.includes("dynamic-provider"))).toEqual([]);
      const afterDeployKill = await passed();
      expect(afterDeployKill.ok).toBe(true);
      expect((await project.run(["cancel", "--yes", "--stack", STACK])).code).toBe(0);
      let r = await up();
      expect(r.stderr + r.stdout).not.toMatch(/error:/);
      expect(r.code).toBe(0);
      let s = await state();
      expect(s.apps.api.active).toBe("blue");
      expect(await liveImage("blue")).toBe("docker.io/alphaplatform/api:1.9.0");
      expect(s.apps.api.slots.blue.verdict?.reason).toMatch(/^post-switch:/);

      // Killed during the bake, right after the switch: traffic is on a slot that passed its pre-switch analysis, and
      // the next up bakes it again.
      setVersion("2.0.0");
      await killedUp("tree", async () => (await state()).apps.api.active === "green");
      const afterBakeKill = await passed();
      expect(afterBakeKill.active).toBe("green");
      expect(afterBakeKill.ok).toBe(true);
      expect(afterBakeKill.v?.reason).toMatch(/^pre-switch:/);
      expect((await project.run(["cancel", "--yes", "--stack", STACK])).code).toBe(0);
      r = await up();
      expect(r.code).toBe(0);
      s = await state();
      expect(s.apps.api.active).toBe("green");
      expect(s.apps.api.slots.green.verdict?.reason).toMatch(/^post-switch:/);
      const out = await project.outputs(STACK);
      expect(out.apps.api).toMatchObject({ activeSlot: "green", versions: { green: "2.0.0", blue: "1.9.0" } });
    } finally {
      const counts = await load.stop();
      console.log(`kill trials in the test: traffic ${JSON.stringify(counts)}`);
    }
  });
});
