#!/usr/bin/env node
"use strict";
/**
 * `npm run lint:workflows [-- <files…>]`: runs actionlint on `.github/workflows/*.yml` (or on the files given).
 *
 * actionlint is a Go program. Like the Pulumi toolchain it is built offline from the Go module proxy, from the pinned
 * wrapper module in `tools/actionlint/` (go.mod + go.sum committed), into
 * `~/.cache/stackguard/actionlint/<version>/actionlint` (the toolchain's cache root: `$STACKGUARD_CACHE`, else
 * `$XDG_CACHE_HOME`, else `~/.cache`, then `stackguard/`), and reused
 * when present. actionlint runs shellcheck on `run:` scripts when `shellcheck` is on PATH (`apt-get install
 * shellcheck`); without it the shell checks are skipped with a notice, never failed.
 *
 * Exit code: actionlint's (0 = no findings, 1 = findings), 2 for a setup problem.
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
  if (!onPath("go")) throw new SetupError("actionlint is not built yet and `go` is not on PATH: install Go ≥ 1.25 and re-run (it is built once from the Go module proxy).");
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
    throw new SetupError(`go build of actionlint ${version} failed (exit ${r.status}): see the Go output above; check access to the Go module proxy (GOPROXY) and re-run.`);
  }
  fs.renameSync(tmp, bin);
  say(`actionlint ${version} built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { bin, version, built: true };
}

/** The workflow files to lint when none are named. */
function defaultWorkflowFiles(root = ROOT) {
  const dir = path.join(root, ".github", "workflows");
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
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

module.exports = { ensureActionlint, runActionlint, defaultWorkflowFiles, pinnedVersion };

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
    return r.code;
  });
}
