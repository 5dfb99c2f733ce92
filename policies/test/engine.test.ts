/**
 * The pack under the real engine (the pinned pulumi CLI built by tools/scripts/toolchain.js), for the mechanisms
 * that only the engine can prove: secretness seen through the remediation pass, the production promotion guard
 * (preview vs update processes), the freeze reaching a violation, and a bad config failing the preview. The program
 * (engine/program.js) is a few echo resources, so each run takes seconds; the full-program scenarios are the
 * policy matrix's job.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gitCommit } from "../pack/promotion";

const PACK = path.join(__dirname, "..");
const ROOT = path.join(PACK, "..");

interface Run {
  code: number;
  out: string;
}

let dir: string;
let env: NodeJS.ProcessEnv;

function pulumi(args: string[], extra: NodeJS.ProcessEnv = {}, timeoutMs = 150_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive"], { cwd: dir, env: { ...env, ...extra } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, out });
    });
  });
}

const withPack = (configFile?: string): string[] => ["--policy-pack", PACK, ...(configFile ? ["--policy-pack-config", configFile] : [])];

async function useStack(stack: string, config: Record<string, string>): Promise<void> {
  const sel = await pulumi(["stack", "select", stack, "--create"]);
  if (sel.code !== 0) throw new Error(sel.out);
  for (const [k, v] of Object.entries(config)) {
    const r = await pulumi(["config", "set", k, v, "--stack", stack]);
    if (r.code !== 0) throw new Error(r.out);
  }
}

beforeAll(async () => {
  const binDir =
    process.env.STACKGUARD_PULUMI_BIN_DIR ?? (await require(path.join(ROOT, "tools", "scripts", "toolchain")).ensureToolchain({ log: () => {} })).binDir;
  require(path.join(PACK, "build.js")).ensurePackBuilt({ log: () => {} }); // the engine loads the compiled pack
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-pack-engine-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: sgtest\nruntime: nodejs\nmain: program.js\n");
  fs.writeFileSync(path.join(dir, "package.json"), '{"name":"sgtest","private":true}\n');
  fs.copyFileSync(path.join(__dirname, "engine", "program.js"), path.join(dir, "program.js"));
  // The pack's own node_modules hold the pinned @pulumi/pulumi the program needs.
  fs.symlinkSync(path.join(PACK, "node_modules"), path.join(dir, "node_modules"));
  fs.mkdirSync(path.join(dir, ".backend"));
  const { toolEnv } = require(path.join(ROOT, "tools", "scripts", "lib", "pulumi-env"));
  env = {
    ...process.env,
    ...toolEnv(binDir, path.join(dir, ".pulumi-home")),
    PULUMI_BACKEND_URL: `file://${path.join(dir, ".backend")}`,
    PULUMI_CONFIG_PASSPHRASE: "engine-test-only",
    STACKGUARD_PROMOTION: "",
  };
}, 600_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the pack under the real engine", () => {
  test("secrets: a secret DATABASE_URL passes, the same value in plain text is refused without being printed", async () => {
    await useStack("staging", { "stackguard:environment": "staging", "sgtest:scenario": "secret-env" });
    const ok = await pulumi(["preview", "--stack", "staging", ...withPack()]);
    expect(ok.out).not.toMatch(/secrets-are-secret/);
    expect(ok.code).toBe(0);

    await pulumi(["config", "set", "sgtest:scenario", "plain-env", "--stack", "staging"]);
    const bad = await pulumi(["preview", "--stack", "staging", ...withPack()]);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/\[mandatory\]\s+secrets-are-secret/);
    expect(bad.out).toMatch(/render:EnvVars "api-env" must not take values\.DATABASE_URL in plain text/);
    expect(bad.out).not.toMatch(/CANARY-pw/);
  }, 400_000);

  test("freeze: env vars on AlphaStack's engine are refused with the policy's message", async () => {
    await pulumi(["config", "set", "sgtest:scenario", "alphastack-env", "--stack", "staging"]);
    const r = await pulumi(["preview", "--stack", "staging", ...withPack()]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/\[mandatory\]\s+alphastack-frozen/);
    expect(r.out).toMatch(/render:EnvVars "engine-env" must not act on AlphaStack production: serviceId targets srv-alphastackengine0000/);
  }, 400_000);

  test("mandatory whatever the config says: disabled, advisory or all-disabled AlphaStack policies still refuse (issue 14 e)", async () => {
    await pulumi(["config", "set", "sgtest:scenario", "alphastack-env", "--stack", "staging"]);
    for (const lowered of [{ "alphastack-frozen": "disabled" }, { all: "disabled" }, { "alphastack-frozen": { enforcementLevel: "advisory" } }]) {
      const cfg = path.join(dir, "lowered-config.json");
      fs.writeFileSync(cfg, JSON.stringify(lowered));
      const r = await pulumi(["preview", "--stack", "staging", ...withPack(cfg)]);
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/\[mandatory\]\s+alphastack-frozen/);
      expect(r.out).toMatch(/render:EnvVars "engine-env" must not act on AlphaStack production/);
      expect(r.out).toMatch(/The policy config must not set alphastack-frozen to "(disabled|advisory)"/);
    }
  }, 600_000);

  test("bad config: a break-glass entry reviewed by its requester fails the preview, naming the key", async () => {
    await pulumi(["config", "set", "sgtest:scenario", "ok", "--stack", "staging"]);
    const cfg = path.join(dir, "bad-config.json");
    fs.writeFileSync(
      cfg,
      JSON.stringify({
        "traffic-switch-force-break-glass": {
          breakGlass: [{ app: "api", reason: "incident 42 rollback", requestedBy: "a", reviewer: "a", expires: "2026-01-01T00:00:00Z" }],
        },
      }),
    );
    const r = await pulumi(["preview", "--stack", "staging", ...withPack(cfg)]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/traffic-switch-force-break-glass' is invalid: breakGlass\.0\.reviewer: reviewer must be someone other than requestedBy/);
  }, 400_000);

  test("promotion: production previews freely, updates only from a gate-passed plan", async () => {
    const allowlist = JSON.parse(fs.readFileSync(path.join(PACK, "allowlist.json"), "utf8")) as { providerDigests: Record<string, string> };
    await useStack("production", {
      "stackguard:environment": "production",
      "sgtest:scenario": "ok",
      "sgtest:digest": allowlist.providerDigests["pulumi-nodejs:dynamic/render:Service"],
    });
    const plan = path.join(dir, "p.plan.json");
    const direct = await pulumi(["up", "--stack", "production", "--yes", ...withPack()]);
    expect(direct.code).not.toBe(0);
    expect(direct.out).toMatch(/production-requires-promotion[\s\S]*STACKGUARD_PROMOTION is not set/);
    expect(direct.out).not.toMatch(/\+ 2 created|created \(/);

    const saved = await pulumi(["preview", "--stack", "production", "--save-plan", plan, ...withPack()]); // previews are free
    expect(saved.code).toBe(0);
    const record = path.join(dir, "p.gate.json");
    const sha = createHash("sha256").update(fs.readFileSync(plan)).digest("hex");
    // Bound to the commit the pack runs on and, through STACKGUARD_PROMOTION_PLAN, to the plan the up runs under.
    fs.writeFileSync(
      record,
      JSON.stringify({
        stack: "production",
        planFile: "p.plan.json",
        planSha256: sha,
        createdAt: new Date().toISOString(),
        result: "pass",
        summary: {},
        commit: gitCommit() ?? null,
      }),
    );

    const reviewed = fs.readFileSync(plan);
    fs.appendFileSync(plan, " "); // a plan edited after the gate is refused
    const tampered = await pulumi(["up", "--stack", "production", "--yes", "--plan", plan, ...withPack()], {
      STACKGUARD_PROMOTION: record,
      STACKGUARD_PROMOTION_PLAN: plan,
      PULUMI_EXPERIMENTAL: "true",
    });
    expect(tampered.code).not.toBe(0);
    expect(tampered.out).toMatch(/must be the one the gate reviewed/);

    fs.writeFileSync(plan, reviewed);
    const promoted = await pulumi(["up", "--stack", "production", "--yes", "--plan", plan, ...withPack()], {
      STACKGUARD_PROMOTION: record,
      STACKGUARD_PROMOTION_PLAN: plan,
      PULUMI_EXPERIMENTAL: "true",
    });
    expect(promoted.out).not.toMatch(/production-requires-promotion/);
    expect(promoted.code).toBe(0);
  }, 600_000);
});
