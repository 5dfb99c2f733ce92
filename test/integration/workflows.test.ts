/**
 * Runs the workflows' own `run:` steps locally (test/support/workflow-steps.ts) in a temp copy of the repository,
 * against the real simulator and the real pulumi CLI, so that a workflow is shown to work, not only to lint.
 * GitHub's secrets and variables are replaced with the simulator's URL and key and a throwaway file backend.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { EdgeAdminClient } from "../../infra/edge-contract/client";
import { traffic } from "../support/promotion-traffic";
import { RenderClient } from "../../infra/render";
import { RunningSimulator, startSimulator } from "../../sim/index";
import { backupStackDatabase } from "../../tools/scripts/db-backup";
import { createCheckout, JobResult, runJob, StepResult } from "../support/workflow-steps";

jest.setTimeout(600_000);

// The stack files carry the salt of the embedded (simulator-only, documented, not secret) passphrase; see README.
const PASSPHRASE: string = require("../../tools/scripts/lib/pulumi-env").EMBEDDED_PASSPHRASE;

function failedStep(r: JobResult) {
  return r.steps.find((s) => s.status === "failed");
}

/** Every step after the failed one was skipped: nothing ran after the failure. */
function nothingRanAfter(r: JobResult, stepName: string): boolean {
  const i = r.steps.findIndex((s) => s.name === stepName);
  return r.steps.slice(i + 1).every((s) => s.status === "skipped-if" || s.status === "skipped-uses");
}

let sim: RunningSimulator;
let checkout: string;
let render: RenderClient;

beforeAll(async () => {
  sim = await startSimulator({ stateDir: fs.mkdtempSync(path.join(os.tmpdir(), "sg-wf-sim-")), timeScale: 0.01, rateLimit: "relaxed" });
  render = RenderClient.fromEnv({}, { RENDER_API_URL: sim.apiUrl, RENDER_API_KEY: sim.apiKey });
  checkout = createCheckout();
});

afterAll(async () => {
  await sim?.stop();
  if (checkout) fs.rmSync(checkout, { recursive: true, force: true });
});

/** The secrets and variables of a GitHub environment, pointed at the simulator and a file backend in the checkout. */
function environment(backendDir: string) {
  fs.mkdirSync(backendDir, { recursive: true });
  return {
    // RENDER_READONLY_API_KEY: a Viewer's key (the `<stack>-preview` environments'): it can read, never change.
    secrets: { RENDER_API_KEY: sim.apiKey, RENDER_READONLY_API_KEY: sim.keys.guardian, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE },
    vars: { RENDER_API_URL: sim.apiUrl, PULUMI_BACKEND_URL: `file://${backendDir}` },
  };
}

describe("rollback.yml", () => {
  it("validate: accepts a known stack and blue/green app", async () => {
    const r = await runJob({ workflow: "rollback.yml", job: "validate", cwd: checkout, inputs: { stack: "production", app: "api" } });
    expect(r.ok).toBe(true);
    expect(r.steps.find((s) => s.status === "passed")!.stdout).toContain("inputs ok: stack=production app=api");
  });

  it("validate: an unknown stack fails at once, naming the input and the choices", async () => {
    const r = await runJob({ workflow: "rollback.yml", job: "validate", cwd: checkout, inputs: { stack: "prod", app: "api" } });
    expect(r.ok).toBe(false);
    expect(failedStep(r)!.stdout).toContain(
      "::error title=Invalid input::input 'stack' is 'prod', which has no Pulumi.prod.yaml: choose one of production, staging.",
    );
  });

  it("validate: an app without a warm slot fails at once", async () => {
    const r = await runJob({ workflow: "rollback.yml", job: "validate", cwd: checkout, inputs: { stack: "staging", app: "worker" } });
    expect(failedStep(r)!.stdout).toContain("input 'app' is 'worker', a worker app of stack 'staging'");
  });

  it("rollback: a missing secret fails the job before any change, naming it", async () => {
    const env = environment(path.join(checkout, ".backend-rollback"));
    const r = await runJob({
      workflow: "rollback.yml",
      job: "rollback",
      cwd: checkout,
      inputs: { stack: "production", app: "api" },
      secrets: { ...env.secrets, PULUMI_CONFIG_PASSPHRASE: "" },
      vars: env.vars,
    });
    expect(r.environment).toBe("production");
    expect(r.concurrency).toBe("rollback-production");
    const failed = failedStep(r)!;
    expect(failed.name).toBe("Check secrets (before anything runs)");
    expect(failed.stdout).toContain(
      "PULUMI_CONFIG_PASSPHRASE is not set (self-managed backend file://): add it as a secret of the GitHub environment 'production'",
    );
    expect(nothingRanAfter(r, failed.name)).toBe(true);
  });

  it("rollback: dispatched from another ref than main, the job does not run", async () => {
    const r = await runJob({
      workflow: "rollback.yml",
      job: "rollback",
      cwd: checkout,
      inputs: { stack: "production", app: "api" },
      github: { ref: "refs/heads/feature" },
    });
    expect(r.ran).toBe(false);
  });

  it("rollback: the job reaches `npm run rollback` with its inputs (a stack never deployed stops there, named)", async () => {
    const env = environment(path.join(checkout, ".backend-rollback-run"));
    const r = await runJob({ workflow: "rollback.yml", job: "rollback", cwd: checkout, inputs: { stack: "staging", app: "api" }, ...env });
    expect(r.environment).toBe("staging");
    expect(r.concurrency).toBe("rollback-staging");
    expect(r.steps.filter((s) => s.status === "passed").map((s) => s.name)).toEqual([
      "Check secrets (before anything runs)",
      "Install and toolchain (idempotent; pulumi v3.248.0, the official install or the offline build)",
    ]);
    const last = r.steps.find((s) => s.name === "Roll back")!;
    expect(last).toMatchObject({ name: "Roll back", status: "failed" });
    expect(last.stdout + last.stderr).toContain("cannot read the outputs of stack 'staging'");
    expect(last.stdout + last.stderr).not.toContain(sim.apiKey);
  });

  // "rollback: switches the app back to its warm slot on a deployed stack": below, after promote.yml deployed it.
});

describe("promote.yml", () => {
  it("staging: a missing passphrase for a self-managed backend fails first, and the backend stays empty", async () => {
    const backend = path.join(checkout, ".backend-missing");
    const env = environment(backend);
    const r = await runJob({
      workflow: "promote.yml",
      job: "staging",
      cwd: checkout,
      secrets: { ...env.secrets, PULUMI_CONFIG_PASSPHRASE: "" },
      vars: env.vars,
    });
    expect(r.environment).toBe("staging");
    const failed = failedStep(r)!;
    expect(failed.name).toBe("Check secrets (before anything runs)");
    expect(failed.stdout).toContain("PULUMI_CONFIG_PASSPHRASE is not set (self-managed backend file://)");
    expect(nothingRanAfter(r, failed.name)).toBe(true);
    expect(fs.readdirSync(backend)).toEqual([]);
  });

  it("staging: the secrets check and the install/toolchain steps pass, and the toolchain is the pinned pulumi", async () => {
    const env = environment(path.join(checkout, ".backend-toolchain"));
    const r = await runJob({
      workflow: "promote.yml",
      job: "staging",
      cwd: checkout,
      ...env,
      until: "Install and toolchain (idempotent; pulumi v3.248.0, the official install or the offline build)",
    });
    expect(r.steps.filter((s) => s.status === "failed")).toEqual([]);
    expect(r.steps.filter((s) => s.status === "passed").map((s) => s.name)).toEqual([
      "Check secrets (before anything runs)",
      "Install and toolchain (idempotent; pulumi v3.248.0, the official install or the offline build)",
    ]);
    expect(r.steps[r.steps.length - 1].stdout).toMatch(/pulumi v3\.248\.0 toolchain \(offline\) (reused|built)/);
    // The harness runs with STACKGUARD_TOOLCHAIN=offline: the official install (internet) is skipped, the build stands in.
    expect(r.steps.find((s) => s.name.startsWith("Official Pulumi CLI"))!.status).toBe("skipped-if");
  });

  describe("pulumi-up.sh refuses, before anything runs", () => {
    const backend = () => path.join(checkout, ".backend-up");
    const sh = (script: string) => {
      fs.mkdirSync(backend(), { recursive: true });
      const env = {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        STACKGUARD_CACHE: process.env.STACKGUARD_CACHE ?? "",
        RENDER_API_URL: sim.apiUrl,
        RENDER_API_KEY: sim.apiKey,
        PULUMI_BACKEND_URL: `file://${backend()}`,
        PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      };
      // spawnSync blocks this process and so the in-process simulator: only for steps that never call Render.
      return spawnSync("bash", ["-eo", "pipefail", "-c", script], { cwd: checkout, env, encoding: "utf8", timeout: 300_000 });
    };
    /** A gate dir as `npm run gate -- --out-dir` leaves it, plus stack-head. */
    const gateDir = (name: string, result: "pass" | "fail", head: string) => {
      const dir = path.join(checkout, ".stackguard/ci", name);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "2026-01-01T00-00-00-000Z.plan.json"), "{}");
      const record = {
        stack: "staging",
        planFile: "2026-01-01T00-00-00-000Z.plan.json",
        planSha256: "0".repeat(64),
        createdAt: new Date().toISOString(),
        result,
        summary: {},
      };
      fs.writeFileSync(path.join(dir, "2026-01-01T00-00-00-000Z.gate.json"), JSON.stringify(record));
      fs.writeFileSync(path.join(dir, "stack-head"), `${head}\n`);
      return path.relative(checkout, dir);
    };

    it("a plan made before another update of the stack (stale)", () => {
      const head = sh(".github/scripts/select-stack.sh staging >&2 && .github/scripts/stack-head.sh staging");
      expect(head.stdout.trim()).toBe("0");
      const up = sh(`.github/scripts/pulumi-up.sh staging ${gateDir("gate-stale", "pass", "3")}`);
      expect(up.status).toBe(1);
      expect(up.stderr).toContain("the plan was made on update 3 of stack 'staging', which is now at update 0: it is stale.");
      expect(sh(".github/scripts/stack-head.sh staging").stdout.trim()).toBe("0"); // nothing ran
    });

    it("a plan the gate refused", () => {
      const up = sh(`.github/scripts/pulumi-up.sh staging ${gateDir("gate-failed", "fail", "0")}`);
      expect(up.status).toBe(1);
      expect(up.stderr).toContain("is fail for stack staging: not promotable to staging");
    });

    it("no gate record at all", () => {
      const up = sh(".github/scripts/pulumi-up.sh staging .stackguard/ci/no-such-gate");
      expect(up.status).toBe(1);
      expect(up.stderr).toContain("no gate record in .stackguard/ci/no-such-gate: the up runs only from a plan the AlphaStack gate passed");
    });
  });

  it("staging: the gate runs on the simulator, records its verdict and, when it passes, a plan and a record the up can use", async () => {
    const env = environment(path.join(checkout, ".backend-promote"));
    const r = await runJob({ workflow: "promote.yml", job: "staging", cwd: checkout, ...env, until: "gate", stepTimeoutMs: 900_000 });
    const gate = r.steps.find((s) => s.id === "gate")!;
    expect(gate.status).toBe("passed"); // the step records the verdict; the next step acts on it
    const dir = path.join(checkout, ".stackguard/ci/gate-staging");
    const report = fs.readFileSync(path.join(dir, "report.txt"), "utf8");
    expect(r.summary).toContain(report.trim().split("\n")[0]);
    expect(fs.readFileSync(path.join(dir, "stack-head"), "utf8").trim()).toBe("0");
    const records = fs.readdirSync(dir).filter((f) => f.endsWith(".gate.json"));
    expect(records).toHaveLength(1);
    const record = JSON.parse(fs.readFileSync(path.join(dir, records[0]), "utf8"));
    expect(record.stack).toBe("staging");
    if (gate.outputs.code === "0") {
      expect(report).toMatch(/^gate staging: PASS/);
      expect(record.result).toBe("pass");
      const plan = fs.readFileSync(path.join(dir, record.planFile));
      expect(createHash("sha256").update(plan).digest("hex")).toBe(record.planSha256);
    } else {
      expect(report).toMatch(/^gate staging: FAIL/);
      expect(record.result).toBe("fail");
      expect(fs.existsSync(path.join(dir, record.planFile))).toBe(false); // a refused plan is not promotable
    }
  });
});

describe("promote.yml end to end, then rollback.yml on the deployed stack (real engine, pack and simulator)", () => {
  const STEP = {
    gate: "AlphaStack gate (preview with the pack, saved plan, gate record)",
    up: "pulumi up from the gated plan",
    check: "Post-deploy checks",
    cost: "Cost of the stack",
  };
  // A checkout of its own: these tests change its Pulumi.staging.yaml (a version bump, a secret).
  let co: string;
  let env: ReturnType<typeof environment>;
  let outputs: Record<string, any>;

  beforeAll(() => {
    co = createCheckout();
    env = environment(path.join(co, ".backend"));
  });
  afterAll(() => {
    if (co) fs.rmSync(co, { recursive: true, force: true });
  });

  /** `npm run pulumi -- <args>` in the checkout as a workflow step runs it (never blocking: the simulator is in-process). */
  const pulumi = (args: string[], extraEnv: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const procEnv = {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        ...(process.env.STACKGUARD_CACHE ? { STACKGUARD_CACHE: process.env.STACKGUARD_CACHE } : {}),
        ...env.secrets,
        ...env.vars,
        ...extraEnv,
      };
      const child = spawn("npm", ["run", "--silent", "pulumi", "--", ...args], { cwd: co, env: procEnv });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  const stackOutputs = async () => {
    const r = await pulumi(["stack", "output", "--json", "--show-secrets", "--stack", "staging"]);
    if (r.code !== 0) throw new Error(`stack output failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, any>;
  };
  const promote = () => runJob({ workflow: "promote.yml", job: "staging", cwd: co, ...env, stepTimeoutMs: 900_000 });
  /** The promote path's own steps (other steps of the job, e.g. a report, are not this test's subject). */
  const promotePath = (r: JobResult) => Object.fromEntries(Object.values(STEP).map((n) => [n, r.steps.find((st) => st.name === n)?.status]));
  const printed = (r: JobResult) => r.steps.map((st) => st.stdout + st.stderr).join("\n") + r.summary;
  const explain = (r: JobResult) =>
    r.steps
      .filter((st) => st.status === "failed")
      .map((st) => `${st.name}: ${(st.stdout + st.stderr).slice(-3000)}`)
      .join("\n");

  it("staging: gate → up --plan from the gated plan → post-deploy checks, for the first deployment and for a blue/green promotion", async () => {
    const passed = Object.fromEntries(Object.values(STEP).map((n) => [n, "passed"]));
    let t0 = Date.now();
    const first = await promote();
    console.log(`promote.yml staging, first deployment: ${Date.now() - t0} ms`);
    expect({ steps: promotePath(first), failed: explain(first) }).toEqual({ steps: passed, failed: "" });
    const upStep = first.steps.find((st) => st.name === STEP.up)!;
    expect(upStep.stdout + upStep.stderr).not.toMatch(/violates plan/);
    outputs = await stackOutputs();
    expect(outputs.apps.api).toMatchObject({ activeSlot: "blue", versions: { blue: "1.4.2", green: "1.4.2" } });

    // A version bump, promoted from the gated plan while the edge serves traffic (the post-switch bake needs it).
    const file = path.join(co, "Pulumi.staging.yaml");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/version: 1\.4\.2/, "version: 1.4.3"));
    const load = traffic(outputs.edgeUrl, "api.staging.alphaplatform.example");
    t0 = Date.now();
    const second = await promote();
    const counts = await load.stop();
    console.log(`promote.yml staging, promotion 1.4.2 → 1.4.3: ${Date.now() - t0} ms; traffic: ${JSON.stringify(counts)}`);
    expect({ steps: promotePath(second), failed: explain(second) }).toEqual({ steps: passed, failed: "" });
    const gateReport = second.steps.find((st) => st.name === STEP.gate)!.stdout;
    expect(gateReport).toMatch(/gate staging: PASS/);
    outputs = await stackOutputs();
    expect(outputs.apps.api).toMatchObject({
      activeSlot: "green",
      versions: { blue: "1.4.2", green: "1.4.3" },
      lastPromotion: { from: "blue", to: "green", version: "1.4.3" },
    });
    for (const r of [first, second]) {
      expect(printed(r)).not.toContain(outputs.edgeAdminToken);
      expect(printed(r)).not.toContain(sim.apiKey);
    }
  }, 1_800_000);

  it("the promoted stack has its default flags and alert rules (no EDGE_ADMIN_TOKEN), and drift.yml finds no drift", async () => {
    // Issue 12 §1: the promote workflow manages them with no extra step; the drift check refreshes them with no env var.
    const urns = await pulumi(["stack", "--show-urns", "--stack", "staging"]);
    // Under their component, stackguard:components:FlagsAndRules$<type>.
    expect(urns.stdout.match(/[:$]pulumi-nodejs:dynamic\/stackguard:FeatureFlag::/g)?.length).toBe(2);
    expect(urns.stdout.match(/[:$]pulumi-nodejs:dynamic\/stackguard:AlertRule::/g)?.length).toBe(31);
    const drift = await runJob({ workflow: "drift.yml", job: "drift", cwd: co, matrix: { stack: "staging" }, ...env, stepTimeoutMs: 900_000 });
    expect({ code: drift.steps.find((st) => st.id === "preview")?.outputs.code, failed: explain(drift) }).toEqual({ code: "0", failed: "" });
    expect(drift.steps.find((st) => st.id === "summary")!.stdout).toMatch(/drifted=false, errored=false/);
    expect(printed(drift)).not.toContain(outputs.edgeAdminToken);
  }, 900_000);

  it("rollback: switches the app back to its warm slot on a deployed stack", async () => {
    expect(outputs?.apps?.api?.activeSlot).toBe("green"); // the promotion above
    // The local (DIY) backend numbers no updates (every version is 0): count them instead.
    const head = async () => (JSON.parse((await pulumi(["stack", "history", "--stack", "staging", "--json"])).stdout.trim() || "[]") as unknown[]).length;
    const headBefore = await head();
    const r = await runJob({ workflow: "rollback.yml", job: "rollback", cwd: co, inputs: { stack: "staging", app: "api" }, ...env });
    expect({ ok: r.ok, failed: explain(r) }).toEqual({ ok: true, failed: "" });
    const last = r.steps.find((st) => st.name === "Roll back")!;
    expect(last.stdout).toMatch(/rollback: switched api from api-green \(1\.4\.3\) to api-blue \(1\.4\.2\) in \d+ ms/);
    const edge = new EdgeAdminClient({ url: outputs.edgeUrl, token: outputs.edgeAdminToken });
    expect((await edge.getState()).apps.api.active).toBe("blue");
    // Requests to the app now reach blue: its version is the previous one.
    const version = await new Promise<string>((resolve, reject) => {
      http
        .get(new URL("/version", outputs.edgeUrl), { headers: { host: "api.staging.alphaplatform.example" } }, (res) => {
          let body = "";
          res.on("data", (d) => (body += d)).on("end", () => resolve(body));
        })
        .on("error", reject);
    });
    expect(version).toContain("1.4.2");
    expect(printed(r)).not.toContain(outputs.edgeAdminToken);
    // The rollback is recorded in the stack's history: a promotion planned before it is now refused as stale.
    expect(await head()).toBeGreaterThan(headBefore);
    // The refresh recorded the switch's state (stack outputs change only with the next up, which re-runs the program).
    const exported = JSON.parse((await pulumi(["stack", "export", "--stack", "staging"])).stdout);
    const sw = exported.deployment.resources.find(
      (res: { type: string; urn: string }) => res.type.endsWith("stackguard:TrafficSwitch") && res.urn.endsWith("::api-switch"),
    );
    expect(sw?.outputs?.activeSlot).toBe("blue");
    // Re-running it changes nothing.
    const again = await runJob({ workflow: "rollback.yml", job: "rollback", cwd: co, inputs: { stack: "staging", app: "api" }, ...env });
    expect(again.steps.find((st) => st.name === "Roll back")!.stdout).toMatch(/rollback: api is already on api-blue \(1\.4\.2\); nothing changed/);
  });

  it("canary: a plan violation that prints a secret config value shows none through pulumi-up.sh", async () => {
    // Built by concatenation so they never read as committed values; no credential shape, so only redaction by
    // value or by structure can hide them.
    const canary = (n: string) => `https://hooks.example.invalid/${["sgcanary", n, Date.now().toString(36)].join("-")}`;
    const [planned, applied] = [canary("planned"), canary("applied")];
    // The gate plans the guardian's env with one webhook (a secret config value) …
    expect((await pulumi(["config", "set", "--secret", "--stack", "staging", "stackguard:alertWebhookUrl", planned])).code).toBe(0);
    const gate = await runJob({ workflow: "promote.yml", job: "staging", cwd: co, ...env, until: "gate", stepTimeoutMs: 900_000 });
    expect(gate.steps.find((st) => st.id === "gate")!.outputs.code).toBe("0");
    // … and the config changes before the up: the up's inputs differ from the reviewed plan.
    expect((await pulumi(["config", "set", "--secret", "--stack", "staging", "stackguard:alertWebhookUrl", applied])).code).toBe(0);
    const dir = ".stackguard/ci/gate-staging";
    const record = fs
      .readdirSync(path.join(co, dir))
      .filter((f) => f.endsWith(".gate.json"))
      .sort()
      .pop()!;
    const plan = JSON.parse(fs.readFileSync(path.join(co, dir, record), "utf8")).planFile as string;

    // Unredacted, the engine's diagnostic prints the planned value in plain text: the canary is a real one. (The
    // dynamic provider's inputs are the whole stack config, so it is the provider that violates the plan first.)
    const raw = await pulumi(
      [
        "up",
        "--stack",
        "staging",
        "--yes",
        "--non-interactive",
        "--plan",
        path.join(dir, plan),
        "--policy-pack",
        "policies",
        "--policy-pack-config",
        "policies/config/staging.json",
      ],
      { PULUMI_EXPERIMENTAL: "true" },
    );
    expect(raw.code).not.toBe(0);
    expect(raw.stdout + raw.stderr).toMatch(/violates plan: properties changed: \+\+stackguard:alertWebhookUrl\[/);
    expect(raw.stdout + raw.stderr).toContain(planned);

    // Through the workflow's script: the same refusal, named, without any of them.
    const up = await new Promise<{ code: number; out: string }>((resolve, reject) => {
      const procEnv = {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        ...(process.env.STACKGUARD_CACHE ? { STACKGUARD_CACHE: process.env.STACKGUARD_CACHE } : {}),
        ...env.secrets,
        ...env.vars,
      };
      const child = spawn("bash", [".github/scripts/pulumi-up.sh", "staging", dir], { cwd: co, env: procEnv });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? 1, out }));
    });
    expect(up.code).not.toBe(0);
    expect(up.out).toMatch(/violates plan: properties changed: \+\+stackguard:alertWebhookUrl\[…\]/);
    for (const secret of [planned, applied, outputs.edgeAdminToken, sim.apiKey]) {
      expect(up.out).not.toContain(secret);
      expect(printed(gate)).not.toContain(secret);
    }
  });
});

describe("backup.yml and npm run db:backup", () => {
  it("exports the stack's database through Render's API on the simulator", async () => {
    // The staging stack's database: created by an earlier up in this file's simulator, or here.
    const existing = (await render.postgres.list({ name: ["platform-db-staging"], ownerId: ["tea-stackguardstaging000"] }))[0];
    const db =
      existing ??
      (await render.postgres.create({ name: "platform-db-staging", ownerId: "tea-stackguardstaging000", plan: "basic_1gb", version: "16", region: "oregon" }));
    const exportsBefore = (await render.postgres.listExports(db.id)).length;
    const env = environment(path.join(checkout, ".backend-backup"));
    const r = await runJob({ workflow: "backup.yml", job: "backup", cwd: checkout, matrix: { stack: "staging" }, secrets: env.secrets, vars: env.vars });
    const problems = r.steps.filter((s) => s.status === "failed").map((s) => `${s.name}: ${s.stdout}${s.stderr}`);
    expect(problems).toEqual([]);
    expect(r.environment).toBe("staging");
    expect(r.concurrency).toBe("backup-staging");
    const exportsNow = (await render.postgres.listExports(db.id)).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    expect(exportsNow).toHaveLength(exportsBefore + 1);
    const record = JSON.parse(fs.readFileSync(path.join(checkout, ".stackguard/ci/backup-staging.json"), "utf8"));
    expect(record).toMatchObject({ stack: "staging", databaseId: db.id, databaseName: "platform-db-staging", exportId: exportsNow[0].id });
    expect(r.summary).toContain(`| staging | platform-db-staging | ${exportsNow[0].id} |`);
    // The signed download URL never reaches the log or the summary.
    const printed = r.steps.map((s) => s.stdout + s.stderr).join("") + r.summary;
    expect(printed).not.toContain(exportsNow[0].url);
    expect(printed).not.toContain(sim.apiKey);
  });

  it("an unknown stack fails at once, before Render is called", async () => {
    const env = environment(path.join(checkout, ".backend-backup-bad"));
    const r = await runJob({ workflow: "backup.yml", job: "backup", cwd: checkout, matrix: { stack: "prod" }, secrets: env.secrets, vars: env.vars });
    const failed = failedStep(r)!;
    expect(failed.name).toBe("Check inputs and secrets (before anything runs)");
    expect(failed.stdout).toContain("input 'stack' is 'prod', which has no Pulumi.prod.yaml");
  });

  it("refuses to export an AlphaStack database, whatever the config says", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "sg-backup-"));
    const text = fs.readFileSync(path.join(checkout, "Pulumi.production.yaml"), "utf8").replace(/name: platform-db\n/, "name: alphastack-db\n");
    expect(text).toContain("name: alphastack-db");
    fs.writeFileSync(path.join(root, "Pulumi.production.yaml"), text);
    const before = await render.postgres.listExports("dpg-alphastackdb00000000-a");
    await expect(backupStackDatabase({ stack: "production", root, client: render })).rejects.toThrow(
      /refusing to export dpg-alphastackdb00000000-a: it is one of AlphaStack's databases/,
    );
    expect(await render.postgres.listExports("dpg-alphastackdb00000000-a")).toEqual(before);
  });

  it("names the missing database and how to create it", async () => {
    await expect(backupStackDatabase({ stack: "production", root: checkout, client: render })).rejects.toThrow(
      /no Postgres named 'platform-db' in workspace tea-alphastackprod000000 \(stack 'production'\): deploy the stack first/,
    );
  });
});

describe("pr.yml", () => {
  it("preview: the secrets check and toolchain pass and `pulumi preview --json` of the program on the simulator writes its JSON", async () => {
    const env = environment(path.join(checkout, ".backend-pr"));
    const r = await runJob({
      workflow: "pr.yml",
      job: "preview",
      cwd: checkout,
      matrix: { stack: "staging" },
      github: {
        event_name: "pull_request",
        repository: "alphaplatform/stackguard",
        event: { pull_request: { number: 7, head: { repo: { full_name: "alphaplatform/stackguard" } } } },
      },
      ...env,
      until: "pulumi preview --json (policy pack enforced)",
    });
    expect(r.ran).toBe(true);
    expect(r.environment).toBe("staging-preview");
    expect(r.steps.filter((s) => s.status === "failed")).toEqual([]);
    const preview = r.steps.find((s) => s.id === "preview")!;
    if (!fs.existsSync(path.join(checkout, ".stackguard/ci/preview-staging.json"))) throw new Error(`no preview JSON: ${preview.stdout}${preview.stderr}`);
    expect(preview.outputs.code).toMatch(/^\d+$/);
    const json = JSON.parse(fs.readFileSync(path.join(checkout, ".stackguard/ci/preview-staging.json"), "utf8"));
    // The program ran against the simulator: its steps are in the JSON the summary and the gate read.
    expect(json.steps.map((st: { urn: string }) => st.urn)).toContain("urn:pulumi:staging::stackguard::pulumi:pulumi:Stack::stackguard-staging");
  });

  let readOnly: { preview: StepResult; gate?: StepResult } | undefined;
  it("preview: no step of a PR job holds a Render key that can write, even when its environment offers one", async () => {
    const co = createCheckout();
    try {
      const env = environment(path.join(co, ".backend"));
      // As if someone had put the stack's Render key into the PR's environment (or the repository's secrets).
      const r = await runJob({ workflow: "pr.yml", job: "preview", cwd: co, matrix: { stack: "staging" }, github: prEvent, ...env, until: "gate" });
      expect(r.environment).toBe("staging-preview");
      const writers = Object.entries(sim.keys)
        .filter(([name]) => name !== "guardian")
        .map(([, key]) => key)
        .concat(sim.apiKey);
      const heldWriter = r.steps.filter((st) => st.env && Object.values(st.env).some((v) => writers.includes(v))).map((st) => st.name);
      expect(heldWriter).toEqual([]);
      const ran = r.steps.filter((st) => st.env); // run: steps and actions (a step skipped by its if: gets nothing)
      expect(ran.map((st) => st.env!.STACKGUARD_RENDER_ACCESS)).toEqual(ran.map(() => "read"));
      // Only the steps that run pulumi hold a key at all, and it is the read-only one.
      const keyed = r.steps.filter((st) => st.env && "RENDER_API_KEY" in st.env);
      expect(keyed.map((st) => [st.id, st.env!.RENDER_API_KEY === sim.keys.guardian])).toEqual([
        ["preview", true],
        ["gate", true],
      ]);
      // The simulator (Render's workspace roles) refuses a change made with the key the job holds, and nothing changes.
      const held = RenderClient.fromEnv({}, { RENDER_API_URL: sim.apiUrl, RENDER_API_KEY: keyed[0].env!.RENDER_API_KEY });
      const before = (await render.services.get("srv-alphastackengine0000")).name;
      await expect(held.services.update("srv-alphastackengine0000", { name: "changed-by-a-pr" })).rejects.toThrow(/403/);
      // Also outside a protected environment (where a Developer's key could write): a Viewer can create nothing.
      const created = held.services.create({
        type: "web_service",
        name: "created-by-a-pr",
        ownerId: "tea-stackguardstaging000",
        image: { imagePath: "docker.io/library/nginx:1" },
      } as never);
      await expect(created).rejects.toThrow(/403/);
      expect((await render.services.list({ ownerId: ["tea-stackguardstaging000"] })).map((x) => x.name)).not.toContain("created-by-a-pr");
      expect((await render.services.get("srv-alphastackengine0000")).name).toBe(before);
      readOnly = { preview: r.steps.find((st) => st.id === "preview")!, gate: r.steps.find((st) => st.id === "gate") };
    } finally {
      fs.rmSync(co, { recursive: true, force: true });
    }
  });

  it("preview: the preview and the gate pass with the read-only key (the program's gets read AlphaStack from Render)", () => {
    expect({ preview: readOnly?.preview.outputs.code, gate: readOnly?.gate?.outputs.code, said: readOnly?.preview.stderr.slice(-800) }).toMatchObject({
      preview: "0",
      gate: "0",
    });
  });

  it("preview: a PR from a fork does not run (it would get no secrets)", async () => {
    const r = await runJob({
      workflow: "pr.yml",
      job: "preview",
      cwd: checkout,
      matrix: { stack: "production" },
      github: { repository: "alphaplatform/stackguard", event: { pull_request: { number: 8, head: { repo: { full_name: "someone/fork" } } } } },
    });
    expect(r.ran).toBe(false);
  });

  const prEvent = {
    event_name: "pull_request",
    repository: "alphaplatform/stackguard",
    event: { pull_request: { number: 7, head: { repo: { full_name: "alphaplatform/stackguard" } } } },
  };

  it("preview: an allowed change (a version bump) passes the preview, the policy pack and the gate, with a comment per stack", async () => {
    const co = createCheckout();
    try {
      const file = path.join(co, "Pulumi.staging.yaml");
      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/version: 1\.4\.2/, "version: 1.4.3"));
      const r = await runJob({
        workflow: "pr.yml",
        job: "preview",
        cwd: co,
        matrix: { stack: "staging" },
        github: prEvent,
        ...environment(path.join(co, ".backend")),
      });
      const summary = fs.readFileSync(path.join(co, ".stackguard/ci/summary-staging.md"), "utf8");
      expect({
        ok: r.ok,
        failed: r.steps.filter((s) => s.status === "failed").map((s) => `${s.name}: ${s.stdout.slice(-500)}`),
        summary: r.ok ? "" : summary,
      }).toEqual({ ok: true, failed: [], summary: "" });
      expect(summary.split("\n")[0]).toBe("<!-- stackguard:preview:staging -->");
      expect(summary).toContain("preview passed** · AlphaStack gate passed");
      expect(summary).toContain("gate staging: PASS");
      expect(summary).not.toContain(sim.apiKey);
    } finally {
      fs.rmSync(co, { recursive: true, force: true });
    }
  });

  it("preview: a forbidden change to AlphaStack is refused by the policy pack and the gate, and the comment says why", async () => {
    const co = createCheckout();
    try {
      // A PR that makes the program write env vars on AlphaStack's engine (values kept secret: only the target is wrong).
      fs.appendFileSync(
        path.join(co, "stacks", "index.ts"),
        '\nimport { EnvVars as ForbiddenEnvVars } from "../infra/providers/env-vars";\nnew ForbiddenEnvVars("forbidden-alphastack-env", { serviceId: "srv-alphastackengine0000", values: pulumi.secret({ FORBIDDEN: "1" }) });\n',
      );
      const r = await runJob({
        workflow: "pr.yml",
        job: "preview",
        cwd: co,
        matrix: { stack: "staging" },
        github: prEvent,
        ...environment(path.join(co, ".backend")),
      });
      expect(r.ok).toBe(false);
      expect(r.steps[r.steps.length - 1]).toMatchObject({ name: "Fail on a failed preview or gate", status: "failed" });
      const summary = fs.readFileSync(path.join(co, ".stackguard/ci/summary-staging.md"), "utf8");
      expect(summary).toContain("| ❌ mandatory | `alphastack-frozen` | forbidden-alphastack-env |");
      expect(summary).toMatch(/gate staging: FAIL/);
      expect(summary).toMatch(/✗ \[mandatory\] alphastack-frozen [^\n]*forbidden-alphastack-env/);
      expect(summary).not.toContain("secrets-are-secret");
      expect(summary).not.toContain(sim.apiKey);
      // Nothing was written to AlphaStack's engine.
      expect((await render.serviceEnv.listEnvVars("srv-alphastackengine0000")).some((v) => v.key === "FORBIDDEN")).toBe(false);
    } finally {
      fs.rmSync(co, { recursive: true, force: true });
    }
  });
});
