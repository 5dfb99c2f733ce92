#!/usr/bin/env node
"use strict";
/**
 * `npm run lint:workflows [-- <files…>]`: runs actionlint on `.github/workflows/*.yml` (or on the files given), then
 * zizmor (`zizmor --offline`) on `.github/` (workflows and composite actions; or on the files given).
 *
 * actionlint is a Go program. Like the Pulumi toolchain it is built offline from the Go module proxy, from the pinned
 * wrapper module in `tools/actionlint/` (go.mod + go.sum committed), into
 * `~/.cache/stackguard/actionlint/<version>/actionlint` (the toolchain's cache root: `$STACKGUARD_CACHE`, else
 * `$XDG_CACHE_HOME`, else `~/.cache`, then `stackguard/`), and reused
 * when present. actionlint runs shellcheck on `run:` scripts when `shellcheck` is on PATH (`apt-get install
 * shellcheck`); without it the shell checks are skipped with a notice, never failed.
 *
 * zizmor is a Python package (PyPI). The version pinned in `tools/zizmor/requirements.txt` is installed into a venv at
 * `~/.cache/stackguard/zizmor/<version>/venv` (same cache root) with `python3 -m venv` + `pip install`, built under a
 * temp name and renamed, so a second run reuses it and an interrupted install never leaves a half venv behind.
 * `--offline` keeps zizmor from calling GitHub's API (no token here; online audits such as impostor-commit are left to
 * a reviewer of the pins). Suppressions are inline `# zizmor: ignore[<audit>]` comments, each with its reason.
 *
 * Exit code: 0 when both find nothing, 1 when either reports findings, 2 for a setup problem.
 */
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const { ROOT, runMain, log, SetupError } = require("./lib/setup");

const MODULE_DIR = path.join(ROOT, "tools", "actionlint");
const PACKAGE = "github.com/rhysd/actionlint/cmd/actionlint";

/** The actionlint version pinned in tools/actionlint/go.mod (the single source of truth). */
function pinnedVersion() {
  const gomod = fs.readFileSync(path.join(MODULE_DIR, "go.mod"), "utf8");
  const m = gomod.match(/^\s*(?:require\s+)?github\.com\/rhysd\/actionlint\s+(v[0-9][^\s]*)/m);
  if (!m) throw new SetupError("tools/actionlint/go.mod does not require github.com/rhysd/actionlint: restore it from git.");
  return m[1];
}

/** The same cache root as the Pulumi toolchain (tools/scripts/toolchain.js `toolchainRoot`). */
function cacheRoot(env = process.env) {
  return path.join(env.STACKGUARD_CACHE || env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "stackguard");
}

function onPath(cmd) {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Returns the path of the pinned actionlint, building it with `go build` when the cache has none.
 * The binary is written to a temp name and renamed, so an interrupted build never leaves a broken binary behind.
 * @returns {{ bin: string, version: string, built: boolean }}
 */
function ensureActionlint({ log: say = log } = {}) {
  const version = pinnedVersion();
  const dir = path.join(cacheRoot(), "actionlint", version);
  const bin = path.join(dir, "actionlint");
  if (fs.existsSync(bin)) return { bin, version, built: false };
  if (!onPath("go"))
    throw new SetupError("actionlint is not built yet and `go` is not on PATH: install Go ≥ 1.25 and re-run (it is built once from the Go module proxy).");
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.tmp-${process.pid}`;
  say(`building actionlint ${version} from the Go module proxy into ${dir}…`);
  const started = Date.now();
  const r = spawnSync("go", ["build", "-trimpath", "-ldflags", `-s -w -X github.com/rhysd/actionlint.version=${version}`, "-o", tmp, PACKAGE], {
    cwd: MODULE_DIR,
    stdio: ["ignore", "inherit", "inherit"],
    // -mod=readonly: the committed go.sum is the pin; a build never rewrites it.
    env: { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ""} -mod=readonly`.trim() },
  });
  if (r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new SetupError(
      `go build of actionlint ${version} failed (exit ${r.status}): see the Go output above; check access to the Go module proxy (GOPROXY) and re-run.`,
    );
  }
  fs.renameSync(tmp, bin);
  say(`actionlint ${version} built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { bin, version, built: true };
}

/** The workflow files to lint when none are named. */
function defaultWorkflowFiles(root = ROOT) {
  const dir = path.join(root, ".github", "workflows");
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * Runs actionlint on `files` (with `-shellcheck=` when shellcheck is missing, so its absence is not a finding).
 * @returns {{ code: number, stdout: string, stderr: string, shellcheck: boolean }}
 */
function runActionlint(files, { cwd = ROOT, format, quiet = false } = {}) {
  const { bin } = ensureActionlint({ log: quiet ? () => {} : log });
  const shellcheck = Boolean(onPath("shellcheck"));
  const args = ["-no-color"];
  if (!shellcheck) args.push("-shellcheck=");
  if (format) args.push("-format", format);
  const r = spawnSync(bin, [...args, ...files], { cwd, encoding: "utf8" });
  if (r.error) throw new SetupError(`actionlint could not be started (${r.error.code}): delete ${path.dirname(bin)} and re-run to rebuild it.`);
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr, shellcheck };
}

const ZIZMOR_REQUIREMENTS = path.join(ROOT, "tools", "zizmor", "requirements.txt");

/** The zizmor version pinned in tools/zizmor/requirements.txt (`zizmor==X.Y.Z`, the single source of truth). */
function zizmorVersion() {
  const m = fs.readFileSync(ZIZMOR_REQUIREMENTS, "utf8").match(/^\s*zizmor==([0-9][^\s#]*)/m);
  if (!m) throw new SetupError("tools/zizmor/requirements.txt does not pin zizmor (zizmor==X.Y.Z): restore it from git.");
  return m[1];
}

/**
 * Returns the path of the pinned zizmor, installing it from PyPI into a cached venv when the cache has none.
 * @returns {{ bin: string, version: string, installed: boolean }}
 */
function ensureZizmor({ log: say = log } = {}) {
  const version = zizmorVersion();
  const dir = path.join(cacheRoot(), "zizmor", version);
  const bin = path.join(dir, "venv", "bin", "zizmor");
  if (fs.existsSync(bin)) return { bin, version, installed: false };
  const python = onPath("python3");
  if (!python)
    throw new SetupError("zizmor is not installed yet and `python3` is not on PATH: install Python ≥ 3.9 and re-run (zizmor is installed once from PyPI).");
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `venv.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  say(`installing zizmor ${version} from PyPI into ${dir}…`);
  const started = Date.now();
  const step = (cmd, args) => {
    const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "inherit"], timeout: 600_000 });
    if (r.status !== 0) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new SetupError(
        `${path.basename(cmd)} ${args.slice(0, 3).join(" ")} failed (exit ${r.status ?? r.signal}): see the output above; check access to PyPI (pip's index settings) and re-run.`,
      );
    }
  };
  step(python, ["-m", "venv", tmp]);
  step(path.join(tmp, "bin", "python"), ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input", "-r", ZIZMOR_REQUIREMENTS]);
  // A venv's scripts name their interpreter by absolute path: rename, then rewrite the shebangs of the two we run.
  const final = path.join(dir, "venv");
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(tmp, final);
  for (const f of fs.readdirSync(path.join(final, "bin"))) {
    const file = path.join(final, "bin", f);
    if (!fs.lstatSync(file).isFile()) continue;
    const text = fs.readFileSync(file);
    if (text.subarray(0, 2).toString() === "#!" && text.includes(tmp)) fs.writeFileSync(file, text.toString("utf8").split(tmp).join(final));
  }
  say(`zizmor ${version} installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { bin, version, installed: true };
}

/**
 * Runs `zizmor --offline` on `inputs` (files, or a directory such as `.github/`).
 * zizmor's exit code is 0 without findings, 1 on a usage error and ≥ 10 with findings (by severity): mapped to 0/2/1.
 * @returns {{ code: number, stdout: string, stderr: string, findings: number }}
 */
function runZizmor(inputs, { cwd = ROOT, quiet = false } = {}) {
  const { bin } = ensureZizmor({ log: quiet ? () => {} : log });
  const r = spawnSync(bin, ["--offline", "--quiet", "--no-progress", "--color", "never", ...inputs], { cwd, encoding: "utf8", timeout: 300_000 });
  if (r.error)
    throw new SetupError(`zizmor could not be started (${r.error.code}): delete ${path.dirname(path.dirname(path.dirname(bin)))} and re-run to reinstall it.`);
  const text = `${r.stdout}${r.stderr}`;
  const counted = text.match(/(\d+) findings?\b/);
  const findings = r.status === 0 ? 0 : counted ? Number(counted[1]) : NaN;
  const code = r.status === 0 ? 0 : (r.status ?? 2) >= 10 ? 1 : 2;
  return { code, stdout: r.stdout, stderr: r.stderr, findings };
}

module.exports = { ensureActionlint, runActionlint, defaultWorkflowFiles, pinnedVersion, ensureZizmor, runZizmor, zizmorVersion };

if (require.main === module) {
  runMain(async () => {
    const named = process.argv.slice(2);
    const files = named.length ? named.map((f) => path.resolve(f)) : defaultWorkflowFiles();
    if (files.length === 0) throw new SetupError("no workflow files found in .github/workflows/: nothing to lint.");
    const r = runActionlint(files);
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    if (!r.shellcheck) log("shellcheck is not installed: `run:` scripts were not shell-checked (apt-get install shellcheck to enable).");
    if (r.code === 0) log(`actionlint: ${files.length} workflow file(s), no findings${r.shellcheck ? " (with shellcheck)" : ""}`);
    // zizmor audits the composite actions too: the whole .github/ directory unless files were named.
    const z = runZizmor(named.length ? files : [path.join(ROOT, ".github")]);
    process.stdout.write(z.stdout);
    process.stderr.write(z.stderr);
    if (z.code === 0) log(`zizmor ${zizmorVersion()} --offline: no findings`);
    return Math.max(r.code, z.code);
  });
}
