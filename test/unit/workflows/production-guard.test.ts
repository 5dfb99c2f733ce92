/**
 * The wrapper refuses a production change that does not apply a gate-reviewed plan with the pack loaded
 * (tools/scripts/lib/production-guard.js, called by `npm run pulumi` and tools/scripts/pulumi-redacted.ts).
 * The refusals run the real wrapper: with `--stack` on the command line it stops before any toolchain or simulator.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const { guardProductionMutation, commandOf } = require("../../../tools/scripts/lib/production-guard.js");
const { policyPackArgs } = require("../../../tools/scripts/lib/policy-args.js");

const ROOT = path.resolve(__dirname, "..", "..", "..");
const HEAD = spawnSync("git", ["rev-parse", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();

/** `npm run pulumi -- <args>` as a user runs it (the real wrapper), with a clean environment. */
function wrapper(args: string[], extraEnv: Record<string, string> = {}) {
  const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...extraEnv };
  return spawnSync(process.execPath, [path.join(ROOT, "tools/scripts/pulumi.js"), ...args], { cwd: ROOT, env, encoding: "utf8", timeout: 60_000 });
}

/** A gate directory as `npm run gate -- --out-dir` leaves it: a plan and a passing record bound to it. */
function gateDir(over: Record<string, unknown> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-guard-"));
  const plan = path.join(dir, "2026-12-01T00-00-00-000Z.plan.json");
  fs.writeFileSync(plan, JSON.stringify({ resourcePlans: {} }));
  const record = {
    stack: "production",
    planFile: path.basename(plan),
    planSha256: createHash("sha256").update(fs.readFileSync(plan)).digest("hex"),
    createdAt: new Date().toISOString(),
    result: "pass",
    summary: {},
    commit: HEAD,
    ...over,
  };
  const recordFile = path.join(dir, "2026-12-01T00-00-00-000Z.gate.json");
  fs.writeFileSync(recordFile, JSON.stringify(record));
  return { dir, plan, recordFile };
}

describe("npm run pulumi refuses production changes outside the promote path (real wrapper)", () => {
  it("`up --stack production` with no plan, no gate record and no pack", () => {
    const r = wrapper(["up", "--stack", "production", "--yes"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      "refusing `pulumi up` on production stack 'production': --plan <the plan the gate saved> is missing; STACKGUARD_PROMOTION=<gate record> is not set; the policy pack is not loaded",
    );
    expect(r.stderr).toContain("npm run gate -- --stack production");
  });

  it("`up --plan` with a plan that is not the one the gate recorded (sha256 mismatch)", () => {
    const g = gateDir();
    const other = path.join(g.dir, "other.plan.json");
    fs.writeFileSync(other, JSON.stringify({ resourcePlans: { tampered: true } }));
    const r = wrapper(["up", "--stack", "production", "--yes", "--plan", other, ...policyPackArgs("production")], { STACKGUARD_PROMOTION: g.recordFile });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/the plan \S+other\.plan\.json \(sha256 [0-9a-f]{64}\) is not the plan the gate reviewed/);
  });

  it("`up --plan` with the gated plan but without the policy pack", () => {
    const g = gateDir();
    const r = wrapper(["up", "--stack", "production", "--yes", "--plan", g.plan], { STACKGUARD_PROMOTION: g.recordFile });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("the policy pack is not loaded: --policy-pack policies is missing");
  });

  it("state changes, destroy and import, which cannot apply a reviewed plan", () => {
    for (const args of [
      ["state", "delete", "urn:x"],
      ["destroy", "--yes"],
      ["import", "stackguard:index:Service", "x", "srv-1"],
      ["refresh", "--yes"],
      ["stack", "rm"],
    ]) {
      const r = wrapper([...args, "--stack", "production"]);
      expect({ args, status: r.status }).toEqual({ args, status: 2 });
      expect(r.stderr).toContain(
        `refusing \`pulumi ${args[0] === "stack" ? "stack rm" : args[0] === "state" ? "state delete" : args[0]}\` on production stack 'production'`,
      );
    }
  });
});

describe("guardProductionMutation", () => {
  it("lets a production up through when it applies the gated plan, on the gate's commit, with the pack; and names both for the pack", () => {
    const g = gateDir();
    const extra = guardProductionMutation(["up", "--stack", "production", "--yes", "--plan", g.plan, ...policyPackArgs("production")], {
      env: { STACKGUARD_PROMOTION: g.recordFile },
    });
    expect(extra).toEqual({ STACKGUARD_PROMOTION: g.recordFile, STACKGUARD_PROMOTION_PLAN: g.plan });
  });

  it("refuses a record of another commit, a failed gate and another stack's record", () => {
    const args = (g: ReturnType<typeof gateDir>) => ["up", "--stack", "production", "--yes", "--plan", g.plan, ...policyPackArgs("production")];
    const other = gateDir({ commit: "f".repeat(40) });
    expect(() => guardProductionMutation(args(other), { env: { STACKGUARD_PROMOTION: other.recordFile } })).toThrow(
      `the gate ran on commit ${"f".repeat(40)}, this checkout is at ${HEAD}`,
    );
    const failed = gateDir({ result: "fail" });
    expect(() => guardProductionMutation(args(failed), { env: { STACKGUARD_PROMOTION: failed.recordFile } })).toThrow(/is a failed gate \(fail\)/);
    const staging = gateDir({ stack: "staging" });
    expect(() => guardProductionMutation(args(staging), { env: { STACKGUARD_PROMOTION: staging.recordFile } })).toThrow(
      /is for stack 'staging', not 'production'/,
    );
  });

  it("lets rollback.yml record a rollback (a refresh of the traffic switches only), and nothing wider", () => {
    const sw = "urn:pulumi:production::stackguard::stackguard:index:Platform$pulumi-nodejs:dynamic/stackguard:TrafficSwitch::api-switch";
    expect(guardProductionMutation(["refresh", "--stack", "production", "--yes", `--target=${sw}`])).toEqual({});
    const db = "urn:pulumi:production::stackguard::pulumi-nodejs:dynamic/stackguard:Postgres::platform-db";
    expect(() => guardProductionMutation(["refresh", "--stack", "production", "--yes", `--target=${sw}`, "--target", db])).toThrow(
      /refusing `pulumi refresh` on production/,
    );
    expect(() => guardProductionMutation(["refresh", "--stack", "production", "--yes"])).toThrow(/refusing `pulumi refresh` on production/);
  });

  it("never refuses previews, reads, staging or --preview-only", () => {
    for (const args of [
      ["preview", "--stack", "production"],
      ["stack", "output", "--stack", "production"],
      ["up", "--stack", "staging", "--yes"],
      ["refresh", "--preview-only", "--stack", "production"],
      ["stack", "history", "-s", "production"],
    ]) {
      expect(guardProductionMutation(args)).toEqual({});
    }
  });

  it("finds the stack the selected-stack way when --stack is absent, and skips global flags when reading the command", () => {
    expect(() => guardProductionMutation(["up", "--yes"], { selectedStack: () => "organization/production" })).toThrow(/production stack 'production'/);
    expect(guardProductionMutation(["up", "--yes"], { selectedStack: () => "staging" })).toEqual({});
    expect(commandOf(["--cwd", "x", "-v", "9", "state", "delete", "urn"])).toEqual(["state", "delete"]);
  });
});
