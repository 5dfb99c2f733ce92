import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readStackConfigFile } from "../../../infra/cost/read-stack-file";

const { summarize, marker, changedSteps } = require("../../../.github/scripts/preview-summary.js");
const { digestFromEvents } = require("../../../.github/scripts/preview-digest.js");
const { appsOf, checkInputs, knownStacks } = require("../../../.github/scripts/validate-inputs.js");

const ROOT = path.resolve(__dirname, "..", "..", "..");
const CANARY = "rnd_CANARY_4f2b9e1d7c";

/** A preview --json document whose old/new states and a diagnostic carry the canary secret. */
const preview = {
  config: { "stackguard:adminToken": "[secret]" },
  steps: [
    { op: "same", urn: "urn:pulumi:staging::stackguard::pulumi:pulumi:Stack::stackguard-staging" },
    {
      op: "update",
      urn: "urn:pulumi:staging::stackguard::stackguard:app:BlueGreen$pulumi-nodejs:dynamic/render:Service::api-green",
      oldState: { inputs: { envVars: { TOKEN: CANARY }, image: "api:1.4.1" } },
      newState: { inputs: { envVars: { TOKEN: CANARY }, image: "api:1.4.2" } },
      diffReasons: ["image"],
    },
    { op: "create", urn: "urn:pulumi:staging::stackguard::pulumi-nodejs:dynamic/render:EnvVars::api-green-env", newState: { inputs: { value: CANARY } } },
    { op: "read", urn: "urn:pulumi:staging::stackguard::pulumi-nodejs:dynamic/render:Service::alphastack-engine" },
  ],
  diagnostics: [
    {
      severity: "error",
      urn: "urn:pulumi:staging::stackguard::pulumi-nodejs:dynamic/render:EnvVars::api-green-env",
      message: `Render answered 401 for key ${CANARY}`,
    },
    { severity: "info#err", message: `raw program stderr with ${CANARY}` },
  ],
  changeSummary: { same: 1, update: 1, create: 1 },
};

describe("preview-summary (the PR comment)", () => {
  const md: string = summarize({ stack: "staging", preview, exitCode: 255, gateExitCode: 0, env: { RENDER_API_KEY: CANARY } });

  it("starts with the stack's hidden marker", () => {
    expect(md.split("\n")[0]).toBe(marker("staging"));
    expect(marker("production")).toBe("<!-- stackguard:preview:production -->");
  });

  it("lists each change by op, type and name with the changed property names", () => {
    expect(md).toContain("| update | `pulumi-nodejs:dynamic/render:Service` | api-green | image |");
    expect(md).toContain("| create | `pulumi-nodejs:dynamic/render:EnvVars` | api-green-env |");
    expect(md).toContain("update: 1 · create: 1");
    expect(md).not.toContain("alphastack-engine"); // reads are not changes
    expect(changedSteps(preview)).toHaveLength(2);
  });

  it("never carries a secret: no state values, and the environment's secrets removed from messages", () => {
    expect(md).not.toContain(CANARY);
    expect(md).not.toContain("1.4.1");
    expect(md).not.toContain("raw program stderr");
    expect(md).toContain("Render answered 401 for key [secret]");
  });

  it("says which check failed", () => {
    expect(md).toContain("preview failed (exit 255)");
    expect(summarize({ stack: "production", preview, exitCode: 0, gateExitCode: 3 })).toContain("AlphaStack gate failed (exit 3)");
    expect(summarize({ stack: "production", preview, exitCode: 0, gateExitCode: 0 })).toContain("preview passed** · AlphaStack gate passed");
  });

  it("reports a preview that printed no JSON without pasting its output", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-summary-"));
    const file = path.join(dir, "preview.json");
    fs.writeFileSync(file, `error: something with ${CANARY}\n`);
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, ".github/scripts/preview-summary.js"), "--stack", "staging", "--preview", file, "--exit-code", "1"],
      { encoding: "utf8" },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("did not produce JSON output");
    expect(r.stdout).not.toContain(CANARY);
  });
});

describe("preview-digest (streaming preview events → the preview --json document + policy violations)", () => {
  // Shapes as the pinned CLI v3.248.0 streams them with PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true.
  const events =
    [
      { sequence: 0, preludeEvent: { config: {} } },
      {
        sequence: 1,
        resourcePreEvent: {
          metadata: {
            op: "same",
            urn: "urn:pulumi:production::stackguard::pulumi:pulumi:Stack::stackguard-production",
            type: "pulumi:pulumi:Stack",
            detailedDiff: null,
            logical: true,
            provider: "",
          },
        },
      },
      {
        sequence: 2,
        resourcePreEvent: {
          metadata: {
            op: "update",
            urn: "urn:pulumi:production::stackguard::pulumi-nodejs:dynamic/render:EnvVars::alphastack-env",
            type: "pulumi-nodejs:dynamic/render:EnvVars",
            old: { id: "srv-alphastackengine0000", inputs: { value: "[secret]" } },
            new: { id: "srv-alphastackengine0000", inputs: { value: "[secret]" } },
            diffs: ["envVars"],
            detailedDiff: { envVars: { kind: "update", inputDiff: true } },
            provider: "p",
          },
        },
      },
      { sequence: 3, diagnosticEvent: { urn: "", prefix: "", message: "debug noise", color: "never", severity: "debug" } },
      {
        sequence: 4,
        policyEvent: {
          resourceUrn: "urn:pulumi:production::stackguard::pulumi-nodejs:dynamic/render:EnvVars::alphastack-env",
          message: "AlphaStack's production is read-only.\nrender:EnvVars must not target srv-alphastackengine0000.\n",
          color: "never",
          policyName: "alphastack-frozen",
          policyPackName: "stackguard",
          policyPackVersion: "0.1.0",
          enforcementLevel: "mandatory",
        },
      },
      { sequence: 5, diagnosticEvent: { message: "error: preview failed\n", color: "never", severity: "error" } },
      { sequence: 6, summaryEvent: { maybeCorrupt: false, durationSeconds: 3, resourceChanges: { same: 1, update: 1 }, isPreview: true, result: "failed" } },
    ]
      .map((e) => JSON.stringify(e))
      .join("\n") + '\n{"partial';

  it("rebuilds steps, changes and diagnostics in preview --json form, and keeps the policy violations", () => {
    const d = digestFromEvents(events);
    expect(d.steps.map((s: { op: string }) => s.op)).toEqual(["same", "update"]);
    expect(d.steps[1]).toMatchObject({
      op: "update",
      oldState: { id: "srv-alphastackengine0000" },
      newState: { id: "srv-alphastackengine0000" },
      diffReasons: ["envVars"],
    });
    expect(d.changeSummary).toEqual({ same: 1, update: 1 });
    expect(d.result).toBe("failed");
    expect(d.diagnostics).toEqual([{ message: "error: preview failed\n", severity: "error" }]);
    expect(d.policyViolations).toEqual([
      expect.objectContaining({ policy: "alphastack-frozen", enforcementLevel: "mandatory", urn: expect.stringContaining("alphastack-env") }),
    ]);
  });

  it("puts the violated policies in the PR comment, mandatory first", () => {
    const md: string = summarize({ stack: "production", preview: digestFromEvents(events), exitCode: 255 });
    expect(md).toContain(
      "| ❌ mandatory | `alphastack-frozen` | alphastack-env | AlphaStack's production is read-only. render:EnvVars must not target srv-alphastackengine0000. |",
    );
    expect(md).toContain("| update | `pulumi-nodejs:dynamic/render:EnvVars` | alphastack-env | envVars |");
  });
});

describe("validate-inputs (first step of rollback and backup)", () => {
  it("finds the same blue/green apps as the config schema, for every committed stack", () => {
    for (const stack of knownStacks(ROOT)) {
      const cfg = readStackConfigFile(stack, ROOT);
      const fromSchema = Object.fromEntries(Object.entries(cfg.apps).map(([name, app]) => [name, app.kind]));
      expect(appsOf(stack, ROOT)).toEqual(fromSchema);
    }
  });

  it("accepts a known stack and blue/green app", () => {
    expect(checkInputs({ stack: "production", app: "api" }, ROOT)).toBeUndefined();
    expect(checkInputs({ stack: "staging" }, ROOT)).toBeUndefined();
  });

  it.each([
    [{ stack: "prod", app: "api" }, "input 'stack' is 'prod', which has no Pulumi.prod.yaml: choose one of production, staging."],
    [{ stack: "", app: "api" }, "input 'stack' is empty"],
    [{ stack: "staging", app: "billing" }, "input 'app' is 'billing', which is not an app of stack 'staging': choose one of api."],
    [{ stack: "staging", app: "worker" }, "input 'app' is 'worker', a worker app of stack 'staging': only blue/green apps have a warm slot"],
  ])("rejects %j with a clear message", (inputs, message) => {
    expect(checkInputs(inputs, ROOT)).toContain(message);
  });
});

describe("require-deploy-env.sh (a missing secret fails before any change)", () => {
  const script = path.join(ROOT, ".github/scripts/require-deploy-env.sh");
  const run = (env: Record<string, string>) => spawnSync("bash", [script, "production"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env } });
  const full = {
    RENDER_API_URL: "https://api.render.com/v1",
    RENDER_API_KEY: CANARY,
    PULUMI_BACKEND_URL: "https://api.pulumi.com",
    PULUMI_ACCESS_TOKEN: "pul-CANARY-token",
  };

  it("passes with everything set, printing no value", () => {
    const r = run(full);
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(CANARY);
  });

  it("names RENDER_API_KEY and the environment to add it to", () => {
    const r = run({ ...full, RENDER_API_KEY: "" });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("::error title=Missing secret::RENDER_API_KEY is not set: add it as a secret of the GitHub environment 'production'");
  });

  it("asks for PULUMI_ACCESS_TOKEN with Pulumi Cloud and for PULUMI_CONFIG_PASSPHRASE with a self-managed backend", () => {
    expect(run({ ...full, PULUMI_ACCESS_TOKEN: "" }).stdout).toContain("PULUMI_ACCESS_TOKEN is not set (the backend is Pulumi Cloud)");
    const s3 = run({ ...full, PULUMI_BACKEND_URL: "s3://state-bucket", PULUMI_ACCESS_TOKEN: "" });
    expect(s3.status).toBe(1);
    expect(s3.stdout).toContain("PULUMI_CONFIG_PASSPHRASE is not set (self-managed backend s3://)");
    expect(run({ ...full, PULUMI_BACKEND_URL: "s3://state-bucket", PULUMI_CONFIG_PASSPHRASE: "x" }).status).toBe(0);
  });

  it("refuses a file:// backend on a GitHub runner (it would be thrown away with the runner)", () => {
    const r = run({ ...full, PULUMI_BACKEND_URL: "file:///tmp/state", PULUMI_CONFIG_PASSPHRASE: "x", GITHUB_ACTIONS: "true" });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("does not outlive a CI runner");
  });

  it("lists every missing secret at once", () => {
    const r = run({ RENDER_API_URL: "https://api.render.com/v1", PULUMI_BACKEND_URL: "https://api.pulumi.com" });
    expect(r.stdout.match(/::error/g)).toHaveLength(2);
  });

  it("--no-render-key: passes with the backend's credentials alone, and fails when a Render key is present", () => {
    const keyless = (env: Record<string, string>) =>
      spawnSync("bash", [script, "production-preview", "--no-render-key"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env } });
    const { RENDER_API_KEY: _key, ...backendOnly } = full;
    const ok = keyless(backendOnly);
    expect({ status: ok.status, out: ok.stdout }).toEqual({ status: 0, out: expect.stringContaining("no Render key, as required") });
    const leaked = keyless(full);
    expect(leaked.status).toBe(1);
    expect(leaked.stdout).toContain("RENDER_API_KEY is set, but this job must hold no Render key");
    expect(leaked.stdout + leaked.stderr).not.toContain(CANARY);
    expect(keyless({ ...backendOnly, PULUMI_ACCESS_TOKEN: "" }).stdout).toContain("PULUMI_ACCESS_TOKEN is not set");
  });

  it("--read-only-render-key: needs RENDER_READONLY_API_KEY, and fails when a key that can write is present", () => {
    const preview = (env: Record<string, string>) =>
      spawnSync("bash", [script, "production-preview", "--read-only-render-key"], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env } });
    const { RENDER_API_KEY: _key, ...backendOnly } = full;
    const ok = preview({ ...backendOnly, RENDER_READONLY_API_KEY: CANARY });
    expect({ status: ok.status, out: ok.stdout }).toEqual({ status: 0, out: expect.stringContaining("a read-only Render key are set; no key that can write") });
    const missing = preview(backendOnly);
    expect(missing.status).toBe(1);
    expect(missing.stdout).toContain("RENDER_READONLY_API_KEY is not set: add the API key of a Render user with the Viewer role");
    expect(missing.stdout).toContain("GitHub environment 'production-preview'");
    const leaked = preview({ ...full, RENDER_READONLY_API_KEY: "ro-key" });
    expect(leaked.status).toBe(1);
    expect(leaked.stdout).toContain("RENDER_API_KEY is set, but this job must hold no Render key that can write");
    expect(leaked.stdout + leaked.stderr).not.toContain(CANARY);
    expect(ok.stdout + ok.stderr).not.toContain(CANARY);
  });
});
