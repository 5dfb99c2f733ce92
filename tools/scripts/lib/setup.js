"use strict";
/**
 * What every entry point (`npm start`, `npm test`, `npm run pulumi`) needs before it can work on a fresh clone:
 * the right Node, the npm dependencies of the program and of the policy pack. Plain CommonJS with no dependencies,
 * because it runs before `node_modules` exists. Each step is idempotent and cached by a hash of its inputs.
 */
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..", "..", "..");
const STATE_DIR = path.join(ROOT, ".stackguard");

/** A failure the user can fix: printed as one sentence, never as a stack trace. */
class SetupError extends Error {}

function log(msg) {
  process.stderr.write(`[stackguard] ${msg}\n`);
}

function checkNode() {
  const major = Number(process.versions.node.split(".")[0]);
  if (major !== 20) {
    throw new SetupError(
      `Node.js 20 is required (found ${process.version}): @pulumi/pulumi 3.248.0 is the last release for Node 20; install Node 20 and re-run.`,
    );
  }
}

function hashFiles(files) {
  const h = createHash("sha256");
  for (const f of files) h.update(fs.existsSync(f) ? fs.readFileSync(f) : "missing");
  return h.digest("hex");
}

/**
 * Whether `node_modules` already holds exactly what the lock asks for, judged by npm's own record of the installed
 * tree (`node_modules/.package-lock.json`, written by every npm install). Lets a tree installed by `npm install
 * <pkg>` be recognised instead of wiping it with `npm ci`.
 */
function installedMatchesLock(dir) {
  try {
    const want = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8")).packages ?? {};
    const have = JSON.parse(fs.readFileSync(path.join(dir, "node_modules", ".package-lock.json"), "utf8")).packages ?? {};
    const versions = (pkgs) =>
      Object.entries(pkgs)
        .filter(([k, v]) => k !== "" && !v.optional)
        .map(([k, v]) => `${k}@${v.version}`)
        .sort()
        .join("\n");
    return versions(want) === versions(have);
  } catch {
    return false;
  }
}

/** Runs `fn` holding an exclusive lock directory (several test processes may set up at once). */
function withLock(lockDir, fn) {
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      break;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      const age = Date.now() - fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs;
      if (age > 15 * 60_000) fs.rmSync(lockDir, { recursive: true, force: true }); // left by a killed install
      if (Date.now() > deadline) throw new SetupError(`another install still holds ${lockDir} after 15 minutes; remove it if no npm is running.`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Installs `dir`'s npm dependencies with `npm ci` unless the installed tree matches its package-lock.json.
 * A marker holding the lock's hash is written only after a successful install, so a half-done install is redone.
 */
function ensureNpmDeps(dir, label) {
  const lock = path.join(dir, "package-lock.json");
  if (!fs.existsSync(lock)) throw new SetupError(`${label}: package-lock.json is missing in ${dir}; restore it from git.`);
  const marker = path.join(dir, "node_modules", ".stackguard-installed");
  // Only the lock decides what is installed: hashing package.json too would reinstall on every script edit.
  const want = hashFiles([lock]);
  const current = () => fs.existsSync(marker) && fs.readFileSync(marker, "utf8") === want;
  if (current()) return false;
  if (installedMatchesLock(dir)) {
    fs.writeFileSync(marker, want);
    return false;
  }
  return withLock(path.join(os.tmpdir(), `stackguard-npm-${createHash("sha256").update(dir).digest("hex").slice(0, 12)}.lock`), () => {
    if (current()) return false; // installed by whoever held the lock
    log(`installing ${label} dependencies (npm ci)…`);
    const started = Date.now();
    const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
    if (r.error) throw new SetupError(`npm could not be started (${r.error.code}): install npm (it ships with Node.js 20) and re-run.`);
    if (r.status !== 0)
      throw new SetupError(
        `npm ci failed in ${path.relative(ROOT, dir) || "."} (exit ${r.status}): see the npm output above; check access to the npm registry and re-run.`,
      );
    fs.writeFileSync(marker, want);
    log(`${label} dependencies installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return true;
  });
}

/** What the embedded Render's real databases need: Debian package → a file it installs. */
const DATABASE_PACKAGES = [
  [
    "postgresql",
    () =>
      fs.existsSync("/usr/lib/postgresql") &&
      fs.readdirSync("/usr/lib/postgresql").some((v) => fs.existsSync(path.join("/usr/lib/postgresql", v, "bin", "initdb"))),
  ],
  ["redis-server", () => hasBinary("redis-server")],
];

/**
 * PostgreSQL and Redis for the embedded Render's Postgres and Key Value instances (sim/databases/): installed with
 * apt-get when missing (idempotent: nothing runs when both are there). When they cannot be installed, one sentence
 * says so and the simulator keeps those instances as API records only.
 */
function ensureDatabaseServers() {
  const missing = DATABASE_PACKAGES.filter(([, present]) => !present()).map(([pkg]) => pkg);
  if (!missing.length) return false;
  return aptInstall(
    missing,
    "the embedded Render's databases",
    `the embedded Render's ${missing.map((m) => (m === "postgresql" ? "Postgres" : "Key Value")).join(" and ")} instances are API records only`,
  );
}

/** A binary on PATH or in /usr/sbin (where Debian puts daemons, often not on PATH). */
function hasBinary(name) {
  return (process.env.PATH ?? "")
    .split(":")
    .concat("/usr/sbin", "/usr/bin")
    .some((d) => d && fs.existsSync(path.join(d, name)));
}

/**
 * nginx and HAProxy, the reference proxies `npm run bench:switch` measures the edge against side by side (issue 16):
 * installed with apt-get when missing; without them the benchmark skips that reference and says so.
 */
function ensureReferenceProxies() {
  const missing = ["nginx", "haproxy"].filter((b) => !hasBinary(b));
  if (!missing.length) return false;
  return aptInstall(missing, "bench:switch's reference proxies", `bench:switch skips ${missing.join(" and ")} as a reference`);
}

/**
 * HAProxy, the edge's native data plane (`EDGE_DATA_PLANE=haproxy`, apps/edge/data-plane/) and its tests: installed
 * with apt-get when missing; without it the edge runs only with its Node data plane and those tests are skipped.
 */
function ensureEdgeDataPlane() {
  if (hasBinary("haproxy")) return false;
  return aptInstall(
    ["haproxy"],
    "the edge's HAProxy data plane",
    "the edge runs only with EDGE_DATA_PLANE=node (haproxy refuses to start) and its HAProxy tests are skipped",
  );
}

/**
 * Installs Debian packages with apt-get (updating the package lists once if the first try fails). When that is not
 * possible (not root, no apt-get, no mirror), one sentence says what to run and what works meanwhile (`meanwhile`).
 */
function aptInstall(missing, purpose, meanwhile) {
  const canApt = process.platform === "linux" && process.getuid?.() === 0 && spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (!canApt) {
    log(
      `warning: ${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not installed and cannot be installed here (needs root and apt-get): run 'apt-get install ${missing.join(" ")}' yourself; until then ${meanwhile}.`,
    );
    return false;
  }
  log(`installing ${missing.join(", ")} for ${purpose} (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], { stdio: ["ignore", "ignore", "inherit"], env, timeout: 15 * 60_000 });
  let r = install();
  // A fresh machine has no package lists yet.
  if (r.status !== 0) {
    spawnSync("apt-get", ["update", "-q"], { stdio: ["ignore", "ignore", "inherit"], env, timeout: 10 * 60_000 });
    r = install();
  }
  if (r.status !== 0) {
    log(`warning: 'apt-get install ${missing.join(" ")}' failed (exit ${r.status}): check access to Debian's package mirror; until then ${meanwhile}.`);
    return false;
  }
  return true;
}

/** Everything but the Go toolchain: Node version, program deps, policy pack deps, the database servers, HAProxy. */
function ensureNodeSetup() {
  checkNode();
  ensureNpmDeps(ROOT, "program");
  if (fs.existsSync(path.join(ROOT, "policies", "package.json"))) {
    ensureNpmDeps(path.join(ROOT, "policies"), "policy pack");
    // The engine loads the compiled pack (policies/build.js): build it now, not during the first preview.
    require(path.join(ROOT, "policies", "build.js")).ensurePackBuilt({ log });
  }
  ensureDatabaseServers();
  ensureEdgeDataPlane();
}

/** Runs `main`, turning a SetupError into one clear line and exit code 2. */
function runMain(main) {
  Promise.resolve()
    .then(main)
    .then((code) => process.exit(typeof code === "number" ? code : 0))
    .catch((err) => {
      if (err instanceof SetupError || err?.name === "SetupError" || err?.name === "StackConfigError") {
        log(`error: ${err.message}`);
        process.exit(2);
      }
      log(`unexpected error: ${err?.stack ?? err}`);
      process.exit(1);
    });
}

module.exports = {
  ROOT,
  STATE_DIR,
  SetupError,
  log,
  checkNode,
  ensureNpmDeps,
  ensureNodeSetup,
  ensureDatabaseServers,
  ensureEdgeDataPlane,
  ensureReferenceProxies,
  runMain,
};
