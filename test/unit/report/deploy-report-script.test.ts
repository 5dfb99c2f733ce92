/**
 * `npm run report:deploy` (tools/scripts/deploy-report.ts) with a stand-in for the pulumi CLI: which update it
 * reports, the promotions from the outputs and the promotion journal, the changes from a plan or preview, the
 * redaction of every secret, and bad input (exit 2, naming the flag). The real engine: test/integration/blue-green.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PromotionRecord } from "../../../infra/promotion/record";
import { writeAttempt } from "../../../infra/promotion/journal";
import { PLOT_COLORS } from "../../../infra/report/plot";
import { changesFromPlan, changesFromPreview, main, type PulumiRunner } from "../../../tools/scripts/deploy-report";

const CANARY = "canary-report-secret-5c1d9e7a3b";
const EDGE = "http://127.0.0.1:41234";
const T = (s: number) => new Date(Date.parse("2026-11-27T10:00:00Z") + s * 1000).toISOString();

const record: PromotionRecord = {
  result: "promoted",
  version: "1.5.0",
  from: "blue",
  to: "green",
  at: T(40),
  timings: { deployMs: 20_000, preSwitchMs: 6_000, switchMs: 40, bakeMs: 12_000, totalMs: 38_040 },
  preSwitch: "pre-switch probe: 3 of 3 measurements successful",
  postSwitch: `post-switch traffic: 3 of 3 measurements successful (token ${CANARY})`,
  traffic: {
    windowMs: 4_000,
    limits: { maxErrorRate: 0.01, maxP99LatencyMs: 800 },
    windows: [
      { at: T(24), slot: "blue", samples: 90, errorRate: 0.001, p50Ms: 20, p99Ms: 140 },
      { at: T(28), slot: "blue", samples: 88, errorRate: 0, p50Ms: 21, p99Ms: 150 },
      { at: T(32), slot: "green", samples: 91, errorRate: 0, p50Ms: 18, p99Ms: 120 },
      { at: T(36), slot: "green", samples: 0 },
      { at: T(40), slot: "green", samples: 93, errorRate: 0.002, p50Ms: 19, p99Ms: 130 },
    ],
  },
};

function outputs(over: Record<string, unknown> = {}) {
  return {
    environment: "staging",
    edgeUrl: EDGE,
    edgeAdminToken: CANARY,
    apps: {
      api: { blue: "srv-a", green: "srv-b", activeSlot: "green", versions: { blue: "1.4.2", green: "1.5.0" }, lastPromotion: record },
      frontend: { id: "srv-c", url: "https://frontend.example" },
    },
    ...over,
  };
}

/** A pulumi stand-in: answers stack output / history for the stacks it knows, exit 255 otherwise. */
function runner(stacks: Record<string, { outputs: Record<string, unknown>; history: unknown[] }>): () => Promise<PulumiRunner> {
  return async () => ({
    secrets: [],
    async run(args) {
      const s = stacks[args[args.indexOf("--stack") + 1]];
      if (!s) return { code: 255, stdout: "" };
      if (args[1] === "history") return { code: 0, stdout: JSON.stringify(s.history) };
      const shown = args.includes("--show-secrets");
      return { code: 0, stdout: JSON.stringify(shown ? s.outputs : { ...s.outputs, edgeAdminToken: "[secret]" }) };
    },
  });
}

const update = (over: Record<string, unknown> = {}) => ({
  version: 0,
  kind: "update",
  startTime: T(0),
  endTime: T(45),
  result: "succeeded",
  resourceChanges: { same: 18, update: 1 },
  ...over,
});

describe("npm run report:deploy", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-deploy-report-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = async (args: string[], stacks = { staging: { outputs: outputs(), history: [update(), update({ startTime: T(-900), endTime: T(-800) })] } }) => {
    const lines: string[] = [];
    const errs: string[] = [];
    const code = await main([...args, "--cwd", dir, "--journal", path.join(dir, "journal")], {
      runner: runner(stacks),
      out: (s) => lines.push(s),
      err: (s) => errs.push(s),
      env: { USER: "dev" },
      now: () => new Date(T(60)),
    });
    return { code, out: lines.join("\n"), err: errs.join("\n"), html: code === 0 ? fs.readFileSync(lines[0], "utf8") : "" };
  };

  it("reports the last update: the promotion with its verdicts and measured windows, the final slots, no secret", async () => {
    const r = await run(["--stack", "staging"]);
    expect(r.err).toBe(r.err.replace(CANARY, ""));
    expect(r.code).toBe(0);
    expect(r.out).toBe(path.join(dir, ".stackguard", "reports", `staging-${T(60).replace(/[:.]/g, "-")}.html`));
    expect(r.html).toMatch(/api: 1\.4\.2 → 1\.5\.0 \(blue → green\) <span class="badge ok">promoted/);
    expect(r.html).toContain('<h1>Deploy report: stack <code>staging</code> <span class="badge ok">succeeded');
    expect(r.html).toMatch(/<td>api<\/td><td><strong>green<\/strong><\/td><td>1\.4\.2 \(warm\)<\/td><td>1\.5\.0 \(live\)/);
    expect(r.html).not.toContain("<td>frontend</td>"); // not a blue/green app
    // Four windows with requests (one had none): four points on the error-rate line, the limits, the switch.
    expect(r.html.match(new RegExp(`<circle [^>]*fill="${PLOT_COLORS.errorRate}"`, "g"))).toHaveLength(4);
    expect(r.html).toContain("limit 1.0%");
    expect(r.html).toContain("limit 800 ms");
    expect(r.html).toContain("switch → green");
    expect(r.html).toContain("Applied by the update (pulumi stack history): update 1; 18 unchanged.");
    expect(r.html).not.toContain(CANARY);
    expect(r.html).toContain("[REDACTED]");
  });

  it("shows a rolled-back promotion from the journal, with its traffic, and the changes from the gated plan", async () => {
    const journal = path.join(dir, "journal");
    writeAttempt(journal, {
      edgeUrl: EDGE,
      app: "api",
      message: `post-switch analysis of api 1.6.0 on api-blue Failed: error rate 40%; traffic is back on api-green (1.5.0) ${CANARY}`,
      attempt: {
        version: "1.6.0",
        from: "green",
        to: "blue",
        phase: "post-switch",
        result: "rolled-back",
        at: T(1000),
        switchedAt: T(990),
        switchedBackAt: T(999),
        timings: { deployMs: 1, preSwitchMs: 1, switchMs: 1, bakeMs: 9_000, totalMs: 10_000 },
        traffic: {
          windowMs: 4_000,
          limits: { maxErrorRate: 0.01, maxP99LatencyMs: 800 },
          windows: [
            { at: T(988), slot: "green", samples: 50, errorRate: 0, p99Ms: 100 },
            { at: T(998), slot: "blue", samples: 50, errorRate: 0.4, p99Ms: 300 },
          ],
        },
        live: { activeSlot: "green", versions: { blue: "1.6.0", green: "1.5.0" } },
      },
    });
    writeAttempt(journal, {
      edgeUrl: "http://elsewhere",
      app: "api",
      message: "another stack",
      attempt: { version: "9.9.9", from: "green", to: "blue", phase: "deploy", result: "failed", at: T(1000), timings: {} as never },
    });
    const gate = path.join(dir, "gate");
    fs.mkdirSync(gate);
    fs.writeFileSync(
      path.join(gate, "2026-11-27T10-00-00-000Z.plan.json"),
      JSON.stringify({
        resourcePlans: {
          "urn:pulumi:staging::stackguard::stackguard:components:BlueGreenApp$pulumi-nodejs:dynamic/stackguard:TrafficSwitch::api-switch": {
            goal: { type: "pulumi-nodejs:dynamic/stackguard:TrafficSwitch", inputDiff: { updates: { version: "1.6.0" } } },
            steps: ["update"],
          },
          "urn:pulumi:staging::stackguard::pulumi-nodejs:dynamic/render:Service::edge": {
            goal: { type: "pulumi-nodejs:dynamic/render:Service" },
            steps: ["same"],
          },
        },
      }),
    );
    fs.writeFileSync(
      path.join(gate, "2026-11-27T10-00-00-000Z.gate.json"),
      JSON.stringify({
        stack: "staging",
        planFile: "2026-11-27T10-00-00-000Z.plan.json",
        planSha256: "0".repeat(64),
        result: "pass",
        createdAt: T(0),
        summary: {},
      }),
    );
    const failed = update({ startTime: T(980), endTime: T(1001), result: "failed", resourceChanges: { same: 18 } });
    const r = await run(["--stack", "staging", "--since", T(979), "--changes", gate, "--out", path.join(dir, "failed.html")], {
      staging: { outputs: outputs(), history: [failed, update()] },
    });
    expect(r.code).toBe(0);
    expect(r.out).toBe(path.join(dir, "failed.html"));
    expect(r.html).toContain('badge bad">rolled-back</span></h1>');
    expect(r.html).toMatch(/api: 1\.5\.0 → 1\.6\.0 \(green → blue\) <span class="badge bad">rolled-back/);
    expect(r.html).toMatch(/post-switch<\/td><td><span class="badge bad">Failed/);
    expect(r.html).toContain("switch back → green");
    expect(r.html.match(new RegExp(`<circle [^>]*fill="${PLOT_COLORS.errorRate}"`, "g"))).toHaveLength(2);
    expect(r.html).not.toContain("9.9.9");
    expect(r.html).not.toContain("1.4.2 → 1.5.0"); // the earlier promotion is not this update's
    expect(r.html).toContain("Per resource, from the gated plan 2026-11-27T10-00-00-000Z.plan.json (gate pass)");
    expect(r.html).toMatch(/<td>api-switch<\/td><td><code>stackguard:TrafficSwitch<\/code><\/td><td>update<\/td><td>version<\/td>/);
    expect(r.html).not.toContain(CANARY);
    // The slots after it: blue now runs the version that was rolled back (the outputs still say 1.4.2).
    expect(r.html).toMatch(/<td>api<\/td><td><strong>green<\/strong><\/td><td>1\.6\.0 \(warm\)<\/td><td>1\.5\.0 \(live\)/);
  });

  it("says so when no update started since --since (the up never ran)", async () => {
    const r = await run(["--stack", "staging", "--since", T(5000)]);
    expect(r.code).toBe(0);
    expect(r.html).toContain(`No update of the stack started at or after ${T(5000)} (--since)`);
    expect(r.html).toContain("No promotion in this update.");
    expect(r.html).toContain('badge bad">failed</span></h1>');
  });

  it("bad input exits 2 naming the flag", async () => {
    expect(await run([])).toMatchObject({ code: 2, err: expect.stringMatching(/--stack <stack> is required/) });
    expect(await run(["--stack", "nostack"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--stack 'nostack': cannot read its outputs \(pulumi exited 255\).*stack ls/),
    });
    expect(await run(["--stack", "empty"], { empty: { outputs: {}, history: [] } } as never)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--stack 'empty' has no outputs: .*run pulumi up/),
    });
    expect(await run(["--stack", "staging", "--since", "yesterday"])).toMatchObject({ code: 2, err: expect.stringMatching(/--since must be an ISO time/) });
    expect(await run(["--stack", "staging", "--changes", path.join(dir, "nope.json")])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--changes .*nope\.json: no such file/),
    });
    expect(await run(["--stack", "staging", "--bogus"])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/Unknown option '--bogus'[\s\S]*usage: npm run report:deploy/),
    });
  });

  it("reads changes from a preview document: names of the changed inputs only", () => {
    const steps = [
      { op: "same", urn: "urn:pulumi:s::p::render:Service::edge" },
      {
        op: "update",
        urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/render:EnvVars::edge-env",
        oldState: { type: "pulumi-nodejs:dynamic/render:EnvVars", inputs: { vars: { A: CANARY }, serviceId: "x" } },
        newState: { type: "pulumi-nodejs:dynamic/render:EnvVars", inputs: { vars: { A: "new" }, serviceId: "x" } },
      },
      {
        op: "create-replacement",
        urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/render:Postgres::db",
        newState: { type: "pulumi-nodejs:dynamic/render:Postgres" },
        diffReasons: ["version"],
      },
      { op: "delete-replaced", urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/render:Postgres::db", oldState: { type: "pulumi-nodejs:dynamic/render:Postgres" } },
      { op: "read", urn: "urn:pulumi:s::p::render:Service::alphastack" },
    ];
    expect(changesFromPreview({ steps })).toEqual([
      { resource: "edge-env", type: "render:EnvVars", op: "update", fields: ["vars"] },
      { resource: "db", type: "render:Postgres", op: "replace", fields: ["version"] },
    ]);
    expect(
      changesFromPlan({
        resourcePlans: {
          "urn:pulumi:s::p::random:index/randomPassword:RandomPassword::pw": {
            goal: { type: "random:index/randomPassword:RandomPassword", inputDiff: { adds: { length: 32 } } },
            steps: ["create"],
          },
        },
      }),
    ).toEqual([{ resource: "pw", type: "random:index/randomPassword:RandomPassword", op: "create", fields: ["length"] }]);
  });
});
