/**
 * Issue 12 §1: the main job manages the stack's default flags and alert rules with no extra step. Runs the steps of
 * `npm start` (tools/scripts/start.js: `stack select --create`, then `up --yes --skip-preview --refresh` with the
 * policy pack) twice on a fresh state, with nothing but the Render address and key in the environment: no
 * `EDGE_ADMIN_TOKEN`. Real pulumi CLI (pinned toolchain), real policy pack, real simulator running the real edge.
 */
import * as fs from "node:fs";
import { EdgeAdminClient } from "../../infra/edge-contract/client";
import * as os from "node:os";
import * as path from "node:path";
import { startSimulator } from "../../sim";
import { PulumiProject } from "../support/pulumi-project";

jest.setTimeout(1_800_000);

const { policyPackArgs } = require("../../tools/scripts/lib/policy-args") as { policyPackArgs: (stack: string) => string[] };

const FLAG = "pulumi-nodejs:dynamic/stackguard:FeatureFlag";
const RULE = "pulumi-nodejs:dynamic/stackguard:AlertRule";
/** The engine's marker of a secret value in a state file. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** The per-operation counts of pulumi's closing "Resources:" block, e.g. `{ unchanged: 52 }` or `{ created: 52 }`. */
function summary(stdout: string): Record<string, number> {
  const block = stdout.slice(stdout.lastIndexOf("Resources:"));
  const counts: Record<string, number> = {};
  for (const m of block.matchAll(/^\s*[+~\-±]*\s*(\d+) (created|updated|replaced|deleted|unchanged|to create|to update|to replace|to delete)\b/gm))
    counts[m[2]!] = Number(m[1]);
  return counts;
}

describe("npm start manages the default flags and alert rules (no EDGE_ADMIN_TOKEN anywhere)", () => {
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let project: PulumiProject;
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-sim-"));
  /** `npm start`'s up, exactly as start.js runs it (policy pack arguments from the same helper). */
  const start = () =>
    project.run(["up", "--yes", "--non-interactive", "--skip-preview", "--refresh", "--stack", "staging", ...policyPackArgs("staging")], {}, 900_000);
  const exportState = async () => {
    const r = await project.run(["stack", "export", "--stack", "staging"]);
    expect(r.code).toBe(0);
    return r.stdout;
  };
  let token = "";
  let edgeUrl = "";

  beforeAll(async () => {
    delete process.env.EDGE_ADMIN_TOKEN;
    sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
    project = await PulumiProject.create({ render: sim });
    expect(project.env.EDGE_ADMIN_TOKEN).toBeUndefined();
    await project.selectStack("staging"); // start.js: `stack select <stack> --create`
  });

  afterAll(async () => {
    project?.dispose();
    await sim?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it("first run creates the platform with its 2 flags and 31 rules on the edge; the second changes nothing", async () => {
    let t0 = Date.now();
    const first = await start();
    const firstMs = Date.now() - t0;
    expect(first.stderr + first.stdout).not.toMatch(/error:/);
    expect(first.code).toBe(0);
    const created = summary(first.stdout).created;

    const out = await project.outputs("staging");
    token = out.edgeAdminToken;
    edgeUrl = out.edgeUrl;
    expect(token.length).toBeGreaterThanOrEqual(16);
    // On the edge, where apps and the guardian read them.
    const flags = await new EdgeAdminClient({ url: edgeUrl, token }).flags.list();
    expect(Object.keys(flags.flags.flags).sort()).toEqual(["new-order-form", "trading-enabled"]);
    const rules = (await new EdgeAdminClient({ url: edgeUrl, token }).alerts.list()).rules;
    expect(rules.length).toBe(31);
    expect(rules.map((r) => r.name)).toEqual(expect.arrayContaining(["api-error-rate", "alphastack-engine-status"]));

    // In the stack, as `npm run pulumi -- stack --show-urns` lists them.
    const urns = await project.run(["stack", "--show-urns", "--stack", "staging"]);
    expect(urns.code).toBe(0);
    // Under their component (stackguard:components:FlagsAndRules$<type>).
    const flagUrns = urns.stdout.match(new RegExp(`urn:pulumi:staging::[^:]+::(?:[\\w:]+\\$)?${FLAG}::\\S+`, "g")) ?? [];
    const ruleUrns = urns.stdout.match(new RegExp(`urn:pulumi:staging::[^:]+::(?:[\\w:]+\\$)?${RULE}::\\S+`, "g")) ?? [];
    expect(flagUrns.map((u) => u.split("::").pop()).sort()).toEqual(["flag-new-order-form", "flag-trading-enabled"]);
    expect(ruleUrns.length).toBe(31);

    t0 = Date.now();
    const second = await start();
    const secondMs = Date.now() - t0;
    expect(second.code).toBe(0);
    const counts = summary(second.stdout);
    // On failure, name what changed (the step lines of the up, not of its refresh).
    const changed = second.stdout.split("\n").filter((l) => /^\s*[~+\-±]\s+\S+ \S+ (updated|created|replaced|deleted)\b/.test(l));
    expect({ kinds: Object.keys(counts), changed }).toEqual({ kinds: ["unchanged"], changed: [] });
    expect(counts.unchanged).toBe(created);
    // Drift check (drift.yml's preview): nothing to do, and no env var needed for the refresh.
    const drift = await project.run(["preview", "--refresh", "--expect-no-changes", "--stack", "staging", ...policyPackArgs("staging")]);
    expect(drift.stderr).not.toMatch(/changes were proposed/);
    expect(drift.code).toBe(0);
    console.log(
      `npm start on a fresh state: ${created} resources created (${flagUrns.length} flags, ${ruleUrns.length} rules) in ${firstMs} ms; second run: ${counts.unchanged} unchanged in ${secondMs} ms`,
    );

    // The token is never printed, and never in plain text in state: each flag and rule records it as a secret.
    for (const r of [first, second, drift]) expect(r.stdout + r.stderr).not.toContain(token);
    const state = await exportState();
    expect(state).not.toContain(token);
    const doc = JSON.parse(state);
    const managed = doc.deployment.resources.filter((r: { type: string }) => r.type === FLAG || r.type === RULE);
    expect(managed.length).toBe(33);
    for (const r of managed) {
      expect(r.inputs.adminToken[Object.keys(r.inputs.adminToken).find((k) => k !== "ciphertext")!]).toBe(SECRET_SIG);
      expect(r.outputs.adminToken.ciphertext).toEqual(expect.any(String));
    }
  });

  it("a kill switch set on the edge is kept by the next npm start", async () => {
    const flags = new EdgeAdminClient({ url: edgeUrl, token }).flags;
    await flags.setOverride("trading-enabled", { state: "off", by: "ana", reason: "exchange halted" });
    const r = await start();
    expect(r.code).toBe(0);
    expect((await flags.get("trading-enabled"))!.override).toMatchObject({ state: "off", by: "ana" });
    await flags.clearOverride("trading-enabled");
  });

  it("a stack recorded before the token was an input (no adminToken in state): refresh and up work with no env var, once", async () => {
    // Rewrite the state as the previous program left it: flags and rules without the adminToken input/output.
    const doc = JSON.parse(await exportState());
    for (const r of doc.deployment.resources) {
      if (r.type !== FLAG && r.type !== RULE) continue;
      delete r.inputs.adminToken;
      delete r.outputs.adminToken;
      r.additionalSecretOutputs = undefined;
    }
    const file = path.join(project.dir, "old-state.json");
    fs.writeFileSync(file, JSON.stringify(doc));
    expect((await project.run(["stack", "import", "--file", file, "--stack", "staging"])).code).toBe(0);

    const refresh = await project.run(["refresh", "--yes", "--non-interactive", "--skip-preview", "--stack", "staging"]);
    expect(refresh.stderr + refresh.stdout).not.toMatch(/error:/);
    expect(refresh.code).toBe(0);
    const migrate = await start();
    expect(migrate.code).toBe(0);
    expect(summary(migrate.stdout).updated).toBe(33); // each flag and rule records the token, nothing else changes
    const again = await start();
    expect(Object.keys(summary(again.stdout))).toEqual(["unchanged"]);
    expect(await exportState()).not.toContain(token);
  });
});
