#!/usr/bin/env node
"use strict";
/**
 * The offline Pulumi toolchain: the `pulumi` CLI v3.248.0 and the plugins it needs for this project, built from the
 * Go module proxy into a cache outside the repository (never committed), reused when present.
 *
 *   bin/pulumi                          CLI, from tools/pulumi-cli (github.com/pulumi/pulumi/pkg/v3)
 *   bin/pulumi-language-nodejs          our Node.js language host, tools/pulumi-language-nodejs
 *   bin/pulumi-resource-pulumi-nodejs   our dynamic-provider shim, tools/shims
 *   bin/pulumi-resource-random          our random provider (4.21.1), tools/pulumi-providers
 *   bin/pulumi-resource-command         our command provider (1.2.1), tools/pulumi-providers
 *
 * The cache key is the CLI version plus a hash of everything the build reads from the repo (go.mod/go.sum, our Go
 * sources, the shim), so a change to any of them builds a fresh entry. A build goes to `<key>.partial-<pid>`, is
 * verified, then renamed into place: a half-built entry is never used. A lock file serializes concurrent callers.
 *
 * Which toolchain runs (STACKGUARD_TOOLCHAIN): `official` uses the Pulumi install on PATH as is (it must be v3.248.0
 * with the random 4.21.1 and command 1.2.1 plugins installed); `offline` uses this build; unset (or `auto`) takes an
 * official install when one is on PATH and this build otherwise. An official install is never modified: its plugins
 * stay the user's, and ours are only ever linked into a PULUMI_HOME the caller owns (the project's own).
 *
 * Library: `await ensureToolchain({ log, pulumiHome })` → `{ kind, binDir, version, reused, env, describe }`.
 * CLI: `node tools/scripts/toolchain.js [--print-bin]` (progress on stderr, the bin dir on stdout).
 */
const { spawn } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");
const TOOLS = path.join(ROOT, "tools");

/** The pinned engine version; `pulumi version` must print exactly this. */
const PULUMI_VERSION = "v3.248.0";
/** Minimum Go release able to build the pinned modules (their go.mod says go 1.25.11). */
const MIN_GO = [1, 25];
/** The only Node major the pinned @pulumi/pulumi 3.248.0 supports in this project. */
const NODE_MAJOR = 20;
/** Bumped whenever the build recipe below changes, so old cache entries are not taken for new ones. */
const RECIPE = "1";

const VERSION_LDFLAG = `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${PULUMI_VERSION}`;

/**
 * Resource plugins built here. Their versions must equal `pulumi.version` in the npm SDKs' package.json, because the
 * engine loads the plugin-cache entry whose version matches exactly.
 */
const PROVIDERS = [
  { name: "random", version: "4.21.1" },
  { name: "command", version: "1.2.1" },
];

/** Everything a bin dir must hold. `check` verifies that the binary runs and reports what we expect. */
const BINARIES = [
  { file: "pulumi", args: ["version"], expect: PULUMI_VERSION },
  { file: "pulumi-language-nodejs", args: ["-version"], expect: PULUMI_VERSION },
  ...PROVIDERS.map((p) => ({ file: `pulumi-resource-${p.name}`, args: ["-version"], expect: p.version })),
  // Outside a project the shim must refuse with its own message: that proves it runs and resolves nothing wrongly.
  { file: "pulumi-resource-pulumi-nodejs", args: [], expect: "cannot find @pulumi/pulumi/cmd/dynamic-provider", shim: true },
];

const GO_BUILD_TIMEOUT_MS = 60 * 60 * 1000;
const LOCK_WAIT_TIMEOUT_MS = 75 * 60 * 1000;
const VERIFY_TIMEOUT_MS = 60 * 1000;

/** A setup failure with one sentence for the user (no stack trace) and, when a build ran, its log file. */
class ToolchainError extends Error {
  /** @param {string} message @param {string} [logPath] */
  constructor(message, logPath) {
    super(logPath ? `${message} (full log: ${logPath})` : message);
    this.name = "ToolchainError";
    this.logPath = logPath;
  }
}

/** `${STACKGUARD_CACHE:-${XDG_CACHE_HOME:-~/.cache}}/stackguard/toolchain` */
function toolchainRoot(env = process.env) {
  const base = env.STACKGUARD_CACHE || env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "stackguard", "toolchain");
}

/** The files the build reads from the repo, sorted (test files excluded: they do not change the binaries). */
function buildInputs() {
  const files = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.go$/.test(e.name) ? !/_test\.go$/.test(e.name) : /^go\.(mod|sum)$/.test(e.name)) files.push(p);
    }
  };
  for (const mod of ["pulumi-cli", "pulumi-language-nodejs", "pulumi-providers"]) walk(path.join(TOOLS, mod));
  files.push(path.join(TOOLS, "shims", "pulumi-resource-pulumi-nodejs"));
  return files.sort();
}

/** `v3.248.0-<12 hex>`: the version plus a hash of the build inputs and recipe. */
function cacheKey() {
  const h = crypto.createHash("sha256").update(`recipe ${RECIPE}\n`);
  for (const f of buildInputs()) {
    h.update(`${path.relative(ROOT, f)}\n`);
    h.update(fs.readFileSync(f));
  }
  return `${PULUMI_VERSION}-${h.digest("hex").slice(0, 12)}`;
}

/** Runs a command to completion with a timeout; never rejects (errors come back in `error`). */
function run(cmd, args, { cwd, env, timeoutMs = VERIFY_TIMEOUT_MS, onOutput, signal } = {}) {
  return new Promise((resolve) => {
    let out = "";
    let child;
    try {
      child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      resolve({ code: -1, out: "", error });
      return;
    }
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const onAbort = () => child.kill("SIGTERM");
    signal?.addEventListener("abort", onAbort, { once: true });
    const take = (d) => {
      out += d;
      if (out.length > 200_000) out = out.slice(-100_000);
      if (onOutput) onOutput(d);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: -1, out, error });
    });
    child.on("close", (code, killedBy) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve({ code: code ?? -1, out, signal: killedBy, timedOut: killedBy === "SIGKILL" });
    });
  });
}

/** Checks that every binary in binDir runs and reports the expected version. Returns the first problem, or null. */
async function verifyBinDir(binDir) {
  const neutralDir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-toolchain-verify-"));
  try {
    const results = await Promise.all(
      BINARIES.map(async (b) => {
        const file = path.join(binDir, b.file);
        if (!isExecutable(file)) return `${file} is missing or not executable`;
        const r = await run(file, b.args, { cwd: neutralDir });
        const text = r.out.trim();
        if (b.shim) return r.code !== 0 && text.includes(b.expect) ? null : `${b.file} did not run as expected: ${text}`;
        return r.code === 0 && text === b.expect ? null : `${b.file} ${b.args.join(" ")} printed "${text}" (expected ${b.expect})`;
      }),
    );
    return results.find((r) => r) ?? null;
  } finally {
    fs.rmSync(neutralDir, { recursive: true, force: true });
  }
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The directory of the first `pulumi` on PATH (the one that runs), or null. */
function firstPulumiDir(env = process.env) {
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, "pulumi"))) return dir;
  }
  return null;
}

/** Directory of a `pulumi` first on PATH that is one of our builds: the pinned version with all our plugins beside it. */
async function pulumiOnPath() {
  const dir = firstPulumiDir();
  return dir && (await verifyBinDir(dir)) === null ? dir : null;
}

/** The plugins an official install must have in its plugin cache (`pulumi plugin ls`), as `resource:<name>@<version>`. */
const OFFICIAL_PLUGINS = PROVIDERS.map((p) => `resource:${p.name}@${p.version}`);

/**
 * Looks for an official Pulumi install first on PATH, without changing anything: `pulumi version` prints exactly
 * v3.248.0, the bundled Node.js plugins (`pulumi-language-nodejs`, `pulumi-resource-pulumi-nodejs`) are beside it, and
 * `pulumi plugin ls` (the user's PULUMI_HOME) lists random 4.21.1 and command 1.2.1. Official plugins are not asked
 * for `-version` (the official command provider has none, and the official dynamic-provider script exits 0).
 * @returns {Promise<{ ok: true, binDir: string } | { ok: false, why: string }>}
 */
async function detectOfficial(env = process.env) {
  const dir = firstPulumiDir(env);
  if (!dir) return { ok: false, why: "no `pulumi` is on PATH" };
  const runEnv = { ...env, PULUMI_SKIP_UPDATE_CHECK: "true" };
  const neutralDir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-toolchain-detect-"));
  try {
    const version = await run(path.join(dir, "pulumi"), ["version"], { cwd: neutralDir, env: runEnv });
    const v = version.out.trim().split("\n").pop();
    if (version.code !== 0 || v !== PULUMI_VERSION)
      return { ok: false, why: `the \`pulumi\` on PATH (${dir}) is ${v || "not runnable"}, not ${PULUMI_VERSION}` };
    for (const bundled of ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]) {
      if (!isExecutable(path.join(dir, bundled)))
        return { ok: false, why: `${bundled} is missing beside ${path.join(dir, "pulumi")} (it ships with the Pulumi CLI)` };
    }
    const ls = await run(path.join(dir, "pulumi"), ["plugin", "ls", "--json"], { cwd: neutralDir, env: runEnv });
    let have = [];
    try {
      have = JSON.parse(ls.out.slice(ls.out.indexOf("["))).map((p) => `${p.kind}:${p.name}@${String(p.version).replace(/^v/, "")}`);
    } catch {
      return { ok: false, why: `\`pulumi plugin ls\` failed: ${ls.out.trim().split("\n")[0] ?? ""}` };
    }
    const missing = OFFICIAL_PLUGINS.filter((p) => !have.includes(p));
    if (missing.length) {
      const home = env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");
      return { ok: false, why: `the plugins ${missing.map((m) => m.replace(/^resource:/, "").replace("@", " ")).join(", ")} are not installed in ${home}` };
    }
    return { ok: true, binDir: dir };
  } finally {
    fs.rmSync(neutralDir, { recursive: true, force: true });
  }
}

/** STACKGUARD_TOOLCHAIN: `official`, `offline` or `auto` (unset). */
function toolchainMode(env = process.env) {
  const v = (env.STACKGUARD_TOOLCHAIN ?? "").trim();
  if (v === "" || v === "auto") return "auto";
  if (v === "official" || v === "offline") return v;
  throw new ToolchainError(
    `STACKGUARD_TOOLCHAIN is "${v}": set it to official (the Pulumi v3.248.0 on PATH), offline (stackguard's own build) or leave it unset to detect`,
  );
}

function checkNode() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major !== NODE_MAJOR) {
    throw new ToolchainError(
      `Node ${NODE_MAJOR} is required (this is Node ${process.versions.node}, and @pulumi/pulumi 3.248.0 is pinned for Node ${NODE_MAJOR}): install Node.js ${NODE_MAJOR} (e.g. nvm install ${NODE_MAJOR}) and re-run`,
    );
  }
}

async function checkGo(env) {
  const r = await run("go", ["env", "GOVERSION"], { env });
  const m = /^go(\d+)\.(\d+)/.exec(r.out.trim());
  const ok = r.code === 0 && m && (Number(m[1]) > MIN_GO[0] || (Number(m[1]) === MIN_GO[0] && Number(m[2]) >= MIN_GO[1]));
  if (!ok) {
    const found = r.code === 0 ? ` (found ${r.out.trim()})` : "";
    throw new ToolchainError(`Go ≥${MIN_GO.join(".")} is required${found}: install it (e.g. apt-get install golang) and re-run`);
  }
  return r.out.trim();
}

/** The go environment: no cgo, go.sum must already cover everything, never fetch a different Go toolchain. */
function goEnv() {
  const userFlags = (process.env.GOFLAGS ?? "").split(/\s+/).filter((f) => f && !f.startsWith("-mod="));
  if (!userFlags.some((f) => f.startsWith("-buildvcs"))) userFlags.push("-buildvcs=false");
  return { ...process.env, CGO_ENABLED: "0", GOFLAGS: ["-mod=readonly", ...userFlags].join(" "), GOTOOLCHAIN: "local" };
}

/** The go builds, in two chains that run side by side: the big CLI, and the three small plugins. */
function buildPlan(binDir) {
  const build = (what, cwd, ldflags, out, pkg, tags) => ({
    what,
    cwd: path.join(TOOLS, cwd),
    args: ["build", "-trimpath", ...(tags ? ["-tags", tags] : []), "-ldflags", `-s -w ${ldflags}`, "-o", path.join(binDir, out), pkg],
    out: path.join(binDir, out),
  });
  return [
    [build("pulumi CLI", "pulumi-cli", VERSION_LDFLAG, "pulumi", "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi", "osusergo,grpcnotrace")],
    [
      build("pulumi-language-nodejs", "pulumi-language-nodejs", VERSION_LDFLAG, "pulumi-language-nodejs", "."),
      ...PROVIDERS.map((p) =>
        build(`pulumi-resource-${p.name}`, "pulumi-providers", `-X main.version=${p.version}`, `pulumi-resource-${p.name}`, `./cmd/pulumi-resource-${p.name}`),
      ),
    ],
  ];
}

/** One sentence for a failed go build, from its output. */
function explainGoFailure(what, cwd, out, timedOut) {
  if (timedOut) return `building ${what} timed out after ${GO_BUILD_TIMEOUT_MS / 60000} minutes`;
  const download =
    /(?:^|\s)([\w.\-/~]+@v[\w.\-+]+): (?:reading|verifying|unrecognized import|Get|invalid version)[^\n]*/m.exec(out) ||
    /(?:^|\s)go: downloading ([^\s]+ [^\s]+)[\s\S]*?(?:403|404|410|dial tcp|no such host|i\/o timeout|connection refused|TLS handshake)/m.exec(out);
  if (download) {
    const proxy = process.env.GOPROXY || "https://proxy.golang.org,direct (default)";
    return `could not download Go module ${download[1].replace(" ", "@")} while building ${what}: check GOPROXY/network (GOPROXY=${proxy})`;
  }
  if (/missing go\.sum entry|updates to go\.mod needed/.test(out)) {
    return `go.mod/go.sum in ${path.relative(ROOT, cwd)} are out of date: run \`go mod tidy\` there and commit both files`;
  }
  // The compiler's own message (file:line: …), not the progress noise ("go: downloading …", "# package").
  const lines = out
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("go: downloading") && !l.startsWith("#"));
  const firstError = lines.find((l) => /\.go:\d+/.test(l)) ?? lines.find((l) => /error|cannot|undefined/.test(l)) ?? lines[0] ?? "see the log";
  return `building ${what} failed: ${firstError}`;
}

function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** Builds, verifies and publishes a fresh cache entry. Caller holds the lock. */
async function build({ root, key, log }) {
  const started = Date.now();
  const elapsed = () => formatDuration(Date.now() - started);
  const finalDir = path.join(root, key);
  const partialDir = path.join(root, `${key}.partial-${process.pid}`);
  const binDir = path.join(partialDir, "bin");
  fs.mkdirSync(path.join(root, "logs"), { recursive: true });
  const logPath = path.join(root, "logs", `${key}-${new Date().toISOString().replace(/[:.]/g, "-")}.log`);
  const logFile = fs.openSync(logPath, "a");
  let logOpen = true;
  const writeLog = (s) => logOpen && fs.writeSync(logFile, s);
  const env = goEnv();
  const total = 4;

  try {
    log(`[toolchain] step 1/${total}: checking Go (building ${key}, log: ${logPath})`);
    const goVersion = await checkGo(env);
    writeLog(`# ${goVersion}, GOFLAGS=${env.GOFLAGS}, GOPROXY=${process.env.GOPROXY ?? "(default)"}\n`);

    fs.rmSync(partialDir, { recursive: true, force: true });
    fs.mkdirSync(binDir, { recursive: true });

    log(`[toolchain] step 2/${total}: go build of pulumi ${PULUMI_VERSION} and its plugins, in parallel (a cold build takes several minutes) [${elapsed()}]`);
    const built = {};
    const heartbeat = setInterval(() => log(`[toolchain]   still building... [${elapsed()}]`), 60_000);
    // The first failure stops the other chain too, and we wait for it, so nothing writes after the log is closed.
    const abort = new AbortController();
    try {
      const outcomes = await Promise.allSettled(
        buildPlan(binDir).map(async (chain) => {
          for (const b of chain) {
            if (abort.signal.aborted) return;
            const t0 = Date.now();
            writeLog(`\n# ${b.what}: (cd ${b.cwd} && go ${b.args.join(" ")})\n`);
            const r = await run("go", b.args, { cwd: b.cwd, env, timeoutMs: GO_BUILD_TIMEOUT_MS, onOutput: (d) => writeLog(String(d)), signal: abort.signal });
            if (abort.signal.aborted) return;
            if (r.code !== 0) {
              abort.abort();
              throw new ToolchainError(explainGoFailure(b.what, b.cwd, r.out, r.timedOut), logPath);
            }
            const size = fs.statSync(b.out).size;
            built[path.basename(b.out)] = { seconds: Math.round((Date.now() - t0) / 1000), bytes: size };
            log(`[toolchain]   built ${b.what} (${(size / 1e6).toFixed(1)} MB) in ${formatDuration(Date.now() - t0)} [${elapsed()}]`);
          }
        }),
      );
      const failed = outcomes.find((o) => o.status === "rejected");
      if (failed) throw failed.reason;
    } finally {
      clearInterval(heartbeat);
    }
    const shim = path.join(binDir, "pulumi-resource-pulumi-nodejs");
    fs.copyFileSync(path.join(TOOLS, "shims", "pulumi-resource-pulumi-nodejs"), shim);
    fs.chmodSync(shim, 0o755);

    log(`[toolchain] step 3/${total}: verifying the binaries [${elapsed()}]`);
    const problem = await verifyBinDir(binDir);
    if (problem) throw new ToolchainError(`the freshly built toolchain does not work: ${problem}`, logPath);

    // Publishing under a key that no longer describes the sources would let a stale build be reused later.
    if (cacheKey() !== key) {
      throw new ToolchainError("the toolchain sources under tools/ changed during the build: re-run to build them", logPath);
    }
    log(`[toolchain] step 4/${total}: publishing ${finalDir} [${elapsed()}]`);
    fs.writeFileSync(
      path.join(partialDir, "manifest.json"),
      JSON.stringify(
        {
          key,
          pulumi: PULUMI_VERSION,
          providers: PROVIDERS,
          go: goVersion,
          builtAt: new Date().toISOString(),
          totalSeconds: Math.round((Date.now() - started) / 1000),
          binaries: built,
        },
        null,
        2,
      ),
    );
    fs.rmSync(finalDir, { recursive: true, force: true }); // only ever a broken entry: a good one is reused before we get here
    fs.renameSync(partialDir, finalDir);
    log(`[toolchain] ready in ${elapsed()}: ${path.join(finalDir, "bin")}`);
    writeLog(`\n# ok in ${elapsed()}\n`);
    return path.join(finalDir, "bin");
  } catch (err) {
    fs.rmSync(partialDir, { recursive: true, force: true });
    writeLog(`\n# FAILED: ${err && err.message}\n`);
    if (err instanceof ToolchainError) throw err.logPath ? err : new ToolchainError(err.message, logPath);
    throw new ToolchainError(`building the toolchain failed: ${err && err.message}`, logPath);
  } finally {
    logOpen = false;
    fs.closeSync(logFile);
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

/**
 * An exclusive lock by O_EXCL file creation (Node has no flock). A lock whose holder process is gone is stale and
 * taken over. Returns the release function.
 */
async function acquireLock(lockPath, log) {
  const deadline = Date.now() + LOCK_WAIT_TIMEOUT_MS;
  let announced = false;
  for (;;) {
    try {
      const fd = fs.openSync(lockPath, "wx");
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }));
      fs.closeSync(fd);
      return () => fs.rmSync(lockPath, { force: true });
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
    }
    let holder;
    try {
      holder = JSON.parse(fs.readFileSync(lockPath, "utf8"));
    } catch {
      holder = undefined; // being written right now, or garbage: look again shortly
    }
    if (holder && holder.host === os.hostname() && !pidAlive(holder.pid)) {
      fs.rmSync(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new ToolchainError(
        `timed out waiting for another toolchain build (lock ${lockPath}${holder ? ` held by pid ${holder.pid}` : ""}); if no build is running, delete the lock file and re-run`,
      );
    }
    if (!announced && holder) {
      log(`[toolchain] waiting for another toolchain build to finish (pid ${holder.pid})...`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Removes partial builds left by processes that died mid-build. */
function sweepPartials(root) {
  for (const name of fs.readdirSync(root)) {
    const m = /\.partial-(\d+)$/.exec(name);
    if (m && !pidAlive(Number(m[1]))) fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

/**
 * Makes the provider plugins visible to the engine through `<pulumiHome>/plugins/resource-<name>-v<version>/`, the
 * plugin cache the engine searches (with an exact version match) when PULUMI_IGNORE_AMBIENT_PLUGINS is set. Without
 * this the providers are found on PATH and every run warns "using pulumi-resource-… from $PATH". Idempotent and safe
 * to run concurrently (each link is created under a temporary name and renamed into place).
 */
function installProviderPlugins(binDir, pulumiHome) {
  for (const p of PROVIDERS) {
    const dir = path.join(pulumiHome, "plugins", `resource-${p.name}-v${p.version}`);
    const link = path.join(dir, `pulumi-resource-${p.name}`);
    const target = path.join(binDir, `pulumi-resource-${p.name}`);
    // A plugin someone installed (a real file, e.g. the official one from `pulumi plugin install`) is never replaced,
    // and a bin dir without our providers (an official install) has nothing to link.
    const existing = fs.lstatSync(link, { throwIfNoEntry: false });
    if ((existing && !existing.isSymbolicLink()) || !isExecutable(target)) continue;
    fs.mkdirSync(dir, { recursive: true });
    let current;
    try {
      current = fs.readlinkSync(link);
    } catch {
      current = undefined;
    }
    if (current === target) continue;
    const tmp = `${link}.tmp-${process.pid}`;
    fs.rmSync(tmp, { force: true });
    fs.symlinkSync(target, tmp);
    fs.renameSync(tmp, link);
  }
}

/**
 * Returns a working toolchain: the official install on PATH, or our build (built when needed); see the header for
 * how STACKGUARD_TOOLCHAIN chooses.
 *
 * @param {{ log?: (line: string) => void, pulumiHome?: string }} [opts] `log` receives progress lines (default:
 *   stderr); with `pulumiHome` (a PULUMI_HOME the caller owns) our provider plugins are linked into its plugin cache
 *   when our build is used. An official install is never linked into.
 * @returns {Promise<{ kind: "official" | "offline", binDir: string, version: string, reused: boolean,
 *   env: Record<string, string>, describe: string }>} `env` holds the variables a pulumi run needs on top of
 *   PULUMI_HOME and the backend settings; `describe` is one line saying which toolchain this is.
 */
async function ensureToolchain({ log = (line) => process.stderr.write(`${line}\n`), pulumiHome } = {}) {
  checkNode();
  const mode = toolchainMode();
  const quiet = { PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" };
  const result = (binDir, reused) => {
    if (pulumiHome) installProviderPlugins(binDir, pulumiHome);
    return {
      kind: "offline",
      binDir,
      version: PULUMI_VERSION,
      reused,
      describe: `stackguard's offline build of Pulumi ${PULUMI_VERSION} (${binDir})`,
      env: {
        PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}`,
        ...quiet,
        ...(pulumiHome ? { PULUMI_IGNORE_AMBIENT_PLUGINS: "true" } : {}),
      },
    };
  };

  const onPath = await pulumiOnPath();
  if (mode !== "offline" && !onPath) {
    const official = await detectOfficial();
    if (official.ok) {
      const home = process.env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");
      return {
        kind: "official",
        binDir: official.binDir,
        version: PULUMI_VERSION,
        reused: true,
        describe: `the official Pulumi ${PULUMI_VERSION} on PATH (${official.binDir}, plugins from ${home})`,
        env: { ...quiet },
      };
    }
    if (mode === "official") {
      throw new ToolchainError(
        `STACKGUARD_TOOLCHAIN=official but ${official.why}: install Pulumi ${PULUMI_VERSION} and \`pulumi plugin install resource random 4.21.1\` and \`pulumi plugin install resource command 1.2.1\`, or set STACKGUARD_TOOLCHAIN=offline`,
      );
    }
  }
  if (mode === "official") {
    throw new ToolchainError(
      `STACKGUARD_TOOLCHAIN=official but the \`pulumi\` first on PATH (${onPath}) is stackguard's offline build: put the official Pulumi ${PULUMI_VERSION} first on PATH, or set STACKGUARD_TOOLCHAIN=offline`,
    );
  }
  if (onPath) return result(onPath, true);

  const root = toolchainRoot();
  const key = cacheKey();
  const binDir = path.join(root, key, "bin");
  if ((await verifyBinDir(binDir)) === null) return result(binDir, true);

  fs.mkdirSync(root, { recursive: true });
  const release = await acquireLock(path.join(root, `${key}.lock`), log);
  try {
    if ((await verifyBinDir(binDir)) === null) return result(binDir, true); // built by whoever held the lock
    sweepPartials(root);
    return result(await build({ root, key, log }), false);
  } finally {
    release();
  }
}

module.exports = { ensureToolchain, detectOfficial, toolchainMode, installProviderPlugins, toolchainRoot, cacheKey, ToolchainError, PULUMI_VERSION, PROVIDERS };

if (require.main === module) {
  const printBin = process.argv.includes("--print-bin");
  ensureToolchain({ log: (line) => process.stderr.write(`${line}\n`) }).then(
    ({ binDir, reused, kind, describe }) => {
      if (printBin) {
        process.stderr.write(`[toolchain] using ${describe}\n`);
        process.stdout.write(`${binDir}\n`);
      } else process.stdout.write(`pulumi ${PULUMI_VERSION} toolchain (${kind}) ${kind === "official" ? "found" : reused ? "reused" : "built"}: ${describe}\n`);
    },
    (err) => {
      process.stderr.write(`error: ${err instanceof ToolchainError ? err.message : `toolchain setup failed: ${err && err.message}`}\n`);
      process.exitCode = 1;
    },
  );
}
