/**
 * promote.yml writes a deploy report after each up (staging and production), also when the up failed, and uploads
 * it; .github/scripts/deploy-report.sh passes the gated plan when there is one. (The report itself:
 * test/unit/report/deploy-report-script.test.ts and test/integration/blue-green.test.ts.)
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { evaluateIf } from "../../support/workflow-steps";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const promote = YAML.parse(fs.readFileSync(path.join(ROOT, ".github/workflows/promote.yml"), "utf8"));
const ctx = (steps: Record<string, unknown>, failed: boolean) => ({
  contexts: { github: {}, vars: {}, secrets: {}, inputs: {}, matrix: {}, env: {}, steps: steps as never },
  failed,
});

describe("promote.yml: the deploy report", () => {
  for (const id of ["staging", "production"]) {
    it(`${id}: after the up, a report step that runs even when the up failed, and its upload`, () => {
      const steps: any[] = promote.jobs[id].steps;
      const up = steps.findIndex((s) => s.id === "up");
      const report = steps.findIndex((s) => s.id === "report");
      const upload = steps.findIndex((s) => s.uses?.startsWith("actions/upload-artifact") && String(s.with?.name).startsWith("deploy-report-"));
      expect(up).toBeGreaterThanOrEqual(0);
      expect(steps[up].run).toMatch(/^echo "since=\$\(date -u \+%Y-%m-%dT%H:%M:%SZ\)" >>"\$GITHUB_OUTPUT"\n/);
      expect(steps[up].run).toContain('.github/scripts/pulumi-up.sh "$STACK" "$OUT/gate-$STACK"');
      expect(report).toBeGreaterThan(up);
      expect(upload).toBe(report + 1);
      expect(steps[report].run).toBe('.github/scripts/deploy-report.sh "$STACK" "$SINCE" "$OUT"');
      expect(steps[report].env.SINCE).toBe("${{ steps.up.outputs.since }}");
      expect(steps[upload].uses).toMatch(/^actions\/upload-artifact@[0-9a-f]{40}$/); // pinned by commit SHA
      expect(steps[upload].with).toMatchObject({ name: "deploy-report-${{ env.STACK }}-${{ github.run_id }}", path: "${{ steps.report.outputs.file }}" });
      // Runs after a failed up (or failed post-deploy checks), not when the job failed before the up started.
      const since = { up: { outputs: { since: "2026-11-27T10:00:00Z" }, outcome: "failure" } };
      expect(evaluateIf(steps[report].if, ctx(since, true))).toBe(true);
      expect(evaluateIf(steps[report].if, ctx(since, false))).toBe(true);
      expect(evaluateIf(steps[report].if, ctx({}, true))).toBe(false);
      expect(evaluateIf(steps[upload].if, ctx({ ...since, report: { outputs: { file: "/x/deploy-report-staging.html" } } }, true))).toBe(true);
      expect(evaluateIf(steps[upload].if, ctx({ ...since, report: { outputs: {}, outcome: "failure" } }, true))).toBe(false);
    });
  }
});

describe(".github/scripts/deploy-report.sh", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-report-sh-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  // A stand-in npm that records its arguments.
  fs.mkdirSync(path.join(dir, "bin"));
  fs.writeFileSync(path.join(dir, "bin", "npm"), `#!/usr/bin/env bash\necho "$@" >>"${dir}/npm-args"\n`, { mode: 0o755 });
  const run = () => {
    fs.rmSync(path.join(dir, "npm-args"), { force: true });
    fs.writeFileSync(path.join(dir, "output"), "");
    const r = spawnSync("bash", [path.join(ROOT, ".github/scripts/deploy-report.sh"), "staging", "2026-11-27T10:00:00Z", path.join(dir, "ci")], {
      cwd: ROOT,
      encoding: "utf8",
      env: { PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, GITHUB_OUTPUT: path.join(dir, "output"), GITHUB_RUN_ID: "77" },
    });
    return { code: r.status, args: fs.readFileSync(path.join(dir, "npm-args"), "utf8").trim(), output: fs.readFileSync(path.join(dir, "output"), "utf8") };
  };

  it("reports since the up began, with the gated plan's changes only when the gate left a plan", () => {
    const out = path.join(dir, "ci");
    expect(run()).toEqual({
      code: 0,
      args: `run --silent report:deploy -- --stack staging --since 2026-11-27T10:00:00Z --out ${out}/deploy-report-staging.html`,
      output: `file=${out}/deploy-report-staging.html\n`,
    });
    fs.mkdirSync(path.join(out, "gate-staging"));
    fs.writeFileSync(path.join(out, "gate-staging", "x.plan.json"), "{}");
    expect(run().args).toBe(
      `run --silent report:deploy -- --stack staging --since 2026-11-27T10:00:00Z --out ${out}/deploy-report-staging.html --changes ${out}/gate-staging`,
    );
  });
});
