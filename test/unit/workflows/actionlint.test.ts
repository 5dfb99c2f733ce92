import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// Plain CommonJS tool script (it runs before node_modules exists), required as is.
const { runActionlint, defaultWorkflowFiles, ensureActionlint, ensureZizmor, runZizmor, zizmorVersion } = require("../../../tools/scripts/lint-workflows.js");

const ROOT = path.resolve(__dirname, "..", "..", "..");

describe("actionlint (npm run lint:workflows)", () => {
  // The first run on a fresh machine builds actionlint from the Go module proxy.
  beforeAll(() => ensureActionlint({ log: () => {} }), 300_000);

  it("finds nothing in the repository's workflows", () => {
    const files: string[] = defaultWorkflowFiles(ROOT);
    expect(files.map((f) => path.basename(f)).sort()).toEqual(["backup.yml", "drift.yml", "pr.yml", "promote.yml", "rollback.yml"]);
    const r = runActionlint(files, { quiet: true });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("reports a broken workflow, so the lint can fail", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-actionlint-"));
    fs.mkdirSync(path.join(dir, ".github", "workflows"), { recursive: true });
    const file = path.join(dir, ".github", "workflows", "broken.yml");
    fs.writeFileSync(
      file,
      [
        "on: push",
        "jobs:",
        "  build:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: echo ${{ matrix.nope }}", // no matrix in this job
        "      - uses: actions/checkout@v4",
        "        with:",
        "          fetch-depth: ${{ secrets }}", // a whole context is not a value
        "  deploy:",
        "    needs: bulid", // typo: no such job
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - run: echo hi",
        "",
      ].join("\n"),
    );
    const r = runActionlint([file], { cwd: dir, quiet: true });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/broken\.yml:6:\d+: property "nope" is not defined/);
    expect(r.stdout).toMatch(/broken\.yml:9:\d+: object, array, and null values should not be evaluated/);
    expect(r.stdout).toMatch(/job "deploy" needs job "bulid" which does not exist/);
  });

  it("shell-checks run: scripts when shellcheck is installed, and says so when it is not", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-actionlint-"));
    const file = path.join(dir, "sc.yml");
    fs.writeFileSync(file, ["on: push", "jobs:", "  a:", "    runs-on: ubuntu-latest", "    steps:", "      - run: cd $HOME/some dir", ""].join("\n"));
    const r = runActionlint([file], { cwd: dir, quiet: true });
    if (r.shellcheck) {
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/shellcheck reported issue in this script: SC2086/);
    } else {
      expect(r.code).toBe(0);
    }
  });
});

describe("zizmor --offline (npm run lint:workflows)", () => {
  // The first run on a fresh machine installs the pinned zizmor from PyPI into ~/.cache/stackguard/zizmor/<version>.
  beforeAll(() => ensureZizmor({ log: () => {} }), 600_000);

  it("is the version pinned in tools/zizmor/requirements.txt, installed once and reused", () => {
    expect(zizmorVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    const again = ensureZizmor({ log: () => {} });
    expect(again.installed).toBe(false);
    expect(again.bin).toContain(path.join("zizmor", zizmorVersion(), "venv", "bin", "zizmor"));
  });

  it("finds nothing in .github/ (workflows and composite actions), suppressions explained inline", () => {
    const r = runZizmor([path.join(ROOT, ".github")], { quiet: true });
    expect({ code: r.code, findings: r.findings, out: r.code === 0 ? "" : r.stdout }).toEqual({ code: 0, findings: 0, out: "" });
    // Every inline suppression sits under a comment line that says why.
    for (const f of fs.readdirSync(path.join(ROOT, ".github", "workflows"))) {
      const lines = fs.readFileSync(path.join(ROOT, ".github", "workflows", f), "utf8").split("\n");
      lines.forEach((line, i) => {
        if (line.includes("zizmor: ignore["))
          expect({ at: `${f}:${i + 1}`, why: /^\s*#\s*\S/.test(lines[i - 1] ?? "") }).toEqual({ at: `${f}:${i + 1}`, why: true });
      });
    }
  });

  it("reports tag-pinned actions, persisted checkout credentials and inherited secrets, so the lint can fail", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-zizmor-"));
    fs.mkdirSync(path.join(dir, ".github", "workflows"), { recursive: true });
    const file = path.join(dir, ".github", "workflows", "bad.yml");
    fs.writeFileSync(
      file,
      [
        "on: push",
        "permissions: {}",
        "jobs:",
        "  build:",
        "    runs-on: ubuntu-latest",
        "    permissions: {}",
        "    steps:",
        "      - uses: actions/checkout@v4",
        "  call:",
        "    permissions: {}",
        "    uses: octo/repo/.github/workflows/x.yml@main",
        "    secrets: inherit",
        "",
      ].join("\n"),
    );
    const r = runZizmor([file], { cwd: dir, quiet: true });
    expect(r.code).toBe(1);
    expect(r.findings).toBeGreaterThanOrEqual(3);
    expect(r.stdout).toMatch(/unpinned-uses/);
    expect(r.stdout).toMatch(/artipacked/);
    expect(r.stdout).toMatch(/secrets-inherit/);
  });
});
