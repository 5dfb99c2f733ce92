"use strict";
/**
 * The compiled policy pack (issue 14 i). The engine used to load `index.ts` through ts-node on every preview, which
 * type-checked the whole pack each time (a preview took 1.69× as long with the pack as without). The pack now
 * loads `pack.js` (`package.json` main, `typescript: false` in PulumiPolicy.yaml), which runs {@link ensurePackBuilt}
 * and requires the JavaScript in `dist/`.
 *
 * - Built with the pack's own TypeScript (`tsconfig.build.json`: `noCheck`, so it only transpiles; `npm test`
 *   type-checks the pack once with `policies/tsconfig.json`).
 * - Cached by source hash: `dist/.build.json` records the hash of every file the build read (the pack's sources and
 *   the `infra/` modules it imports) and of the build config. A load re-hashes them (a few ms) plus any new `.ts`
 *   file of the pack, and rebuilds when anything differs, so a stale build is never used.
 * - Idempotent and safe under concurrency: a build goes to `dist.partial-<pid>` and is renamed into place.
 *
 * Plain CommonJS with no dependencies besides the pack's `typescript`: it runs before anything is compiled.
 */
const { spawnSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const PACK_DIR = __dirname;
const ROOT = path.resolve(PACK_DIR, "..");
const DIST = path.join(PACK_DIR, "dist");
const RECORD = ".build.json";
const CONFIG_FILES = ["tsconfig.json", "tsconfig.build.json", "build.js", "package-lock.json"];

/** The pack's own TypeScript sources (not tests, not scripts run by ts-node, not the build output). */
function packSources(dir = PACK_DIR, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (["node_modules", "dist", "test", "scripts"].includes(e.name) || e.name.startsWith("dist.partial-") || e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) packSources(p, out);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(path.relative(ROOT, p));
  }
  return out;
}

/** sha256 over the files (relative to the repository root) and their contents; a missing file counts as such. */
function hashFiles(files) {
  const h = crypto.createHash("sha256").update("stackguard policy pack build v1\n");
  for (const f of [...new Set(files)].sort()) {
    h.update(`${f}\0`);
    try {
      h.update(fs.readFileSync(path.join(ROOT, f)));
    } catch {
      h.update("(missing)");
    }
    h.update("\0");
  }
  return h.digest("hex");
}

function readRecord() {
  try {
    return JSON.parse(fs.readFileSync(path.join(DIST, RECORD), "utf8"));
  } catch {
    return undefined;
  }
}

/** Why the build in dist/ cannot be used, or undefined when it is current. */
function staleReason() {
  const rec = readRecord();
  if (!rec || !Array.isArray(rec.inputs)) return "no build yet";
  if (!fs.existsSync(path.join(DIST, "policies", "index.js"))) return "dist/policies/index.js is missing";
  const config = CONFIG_FILES.map((f) => path.join("policies", f));
  const now = hashFiles([...rec.inputs, ...packSources(), ...config]);
  return now === rec.hash ? undefined : "the sources changed";
}

/** Compiles the pack into dist/ (through a partial directory renamed into place); returns the input files. */
function build(log) {
  const tsc = path.join(PACK_DIR, "node_modules", "typescript", "bin", "tsc");
  if (!fs.existsSync(tsc)) throw new Error(`the policy pack's TypeScript is not installed (${tsc}): run npm ci in policies/ (npm start and npm test do it).`);
  const partial = path.join(PACK_DIR, `dist.partial-${process.pid}`);
  fs.rmSync(partial, { recursive: true, force: true });
  const started = Date.now();
  const r = spawnSync(process.execPath, [tsc, "-p", path.join(PACK_DIR, "tsconfig.build.json"), "--outDir", partial, "--listFiles"], {
    cwd: PACK_DIR,
    encoding: "utf8",
    timeout: 10 * 60_000,
  });
  if (r.status !== 0) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw new Error(
      `compiling the policy pack failed (exit ${r.status}${r.error ? `, ${r.error.message}` : ""}):\n${(r.stdout || "")
        .split("\n")
        .filter((l) => !l.startsWith("/"))
        .join("\n")}${r.stderr || ""}`,
    );
  }
  // --listFiles prints every file the compiler read: keep ours (not libraries) as the inputs to re-hash next time.
  const inputs = r.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith(ROOT + path.sep) && !l.includes(`${path.sep}node_modules${path.sep}`))
    .map((l) => path.relative(ROOT, l));
  const config = CONFIG_FILES.map((f) => path.join("policies", f));
  const hash = hashFiles([...inputs, ...packSources(), ...config]);
  fs.writeFileSync(
    path.join(partial, RECORD),
    `${JSON.stringify({ hash, inputs: inputs.sort(), builtAt: new Date().toISOString(), ms: Date.now() - started }, null, 2)}\n`,
  );
  // Replace dist/ in two renames; a concurrent builder that got there first is as good as ours.
  const old = `${DIST}.old-${process.pid}`;
  try {
    if (fs.existsSync(DIST)) fs.renameSync(DIST, old);
    fs.renameSync(partial, DIST);
  } catch (e) {
    if (!fs.existsSync(path.join(DIST, RECORD))) throw e;
  } finally {
    fs.rmSync(old, { recursive: true, force: true });
    fs.rmSync(partial, { recursive: true, force: true });
  }
  log(`[stackguard] policy pack compiled in ${((Date.now() - started) / 1000).toFixed(1)} s (policies/dist)`);
  return inputs;
}

/**
 * Makes `dist/` hold a build of the current sources: returns at once when it does (the usual case), builds
 * otherwise. `log` receives one line when it builds (stderr by default: the pack's stdout is the engine's).
 */
function ensurePackBuilt({ log = (l) => process.stderr.write(`${l}\n`) } = {}) {
  const why = staleReason();
  if (!why) return { built: false };
  build(log);
  return { built: true, reason: why };
}

module.exports = { ensurePackBuilt, staleReason, PACK_DIR, DIST };

if (require.main === module) {
  try {
    const r = ensurePackBuilt({ log: (l) => process.stdout.write(`${l}\n`) });
    if (!r.built) process.stdout.write("[stackguard] policy pack build is current (policies/dist)\n");
  } catch (e) {
    process.stderr.write(`[stackguard] ${e.message}\n`);
    process.exit(1);
  }
}
