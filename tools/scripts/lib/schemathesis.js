"use strict";
/**
 * Schemathesis (PyPI), pinned, in a cached virtualenv: `~/.cache/stackguard/venv-schemathesis-<version>`.
 * Installed once and reused; idempotent: a marker written after a successful install says the venv is complete, a
 * venv without it (an interrupted install) is removed and made again. Used by test/hostile/schemathesis.test.ts.
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

/** The pinned version (bump it here; a new version gets a venv of its own). */
const SCHEMATHESIS_VERSION = "4.32.5";

/** Why schemathesis is not available, as one sentence naming the fix. */
class SchemathesisUnavailable extends Error {}

function run(cmd, args, timeoutMs) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim(), error: r.error };
}

/**
 * The path of the pinned `schemathesis` executable, installing it first when needed. Throws
 * {@link SchemathesisUnavailable} with one clear sentence when it cannot be installed.
 * @param {{ log?: (line: string) => void, cacheDir?: string, python?: string }} [o]
 * @returns {string}
 */
function ensureSchemathesis(o = {}) {
  const log = o.log ?? (() => {});
  const cacheDir = o.cacheDir ?? path.join(os.homedir(), ".cache", "stackguard");
  const python = o.python ?? process.env.STACKGUARD_PYTHON ?? "python3";
  const venv = path.join(cacheDir, `venv-schemathesis-${SCHEMATHESIS_VERSION}`);
  const bin = path.join(venv, "bin", "schemathesis");
  const marker = path.join(venv, ".stackguard-installed");
  if (fs.existsSync(marker) && fs.existsSync(bin)) return bin;

  const py = run(python, ["-c", "import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)"], 30_000);
  if (!py.ok) {
    throw new SchemathesisUnavailable(
      `schemathesis ${SCHEMATHESIS_VERSION} cannot be installed: it needs Python 3.10 or newer with venv and pip as \`${python}\` (install python3 and python3-venv, or point STACKGUARD_PYTHON at one).`,
    );
  }
  log(`installing schemathesis ${SCHEMATHESIS_VERSION} into ${venv} (once)…`);
  fs.rmSync(venv, { recursive: true, force: true });
  fs.mkdirSync(cacheDir, { recursive: true });
  const mk = run(python, ["-m", "venv", venv], 120_000);
  if (!mk.ok) {
    fs.rmSync(venv, { recursive: true, force: true });
    throw new SchemathesisUnavailable(
      `schemathesis ${SCHEMATHESIS_VERSION} cannot be installed: \`${python} -m venv\` failed (install python3-venv): ${mk.out.split("\n").pop()}`,
    );
  }
  const pip = run(
    path.join(venv, "bin", "python"),
    ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", `schemathesis==${SCHEMATHESIS_VERSION}`],
    600_000,
  );
  if (!pip.ok || !fs.existsSync(bin)) {
    fs.rmSync(venv, { recursive: true, force: true });
    throw new SchemathesisUnavailable(
      `schemathesis ${SCHEMATHESIS_VERSION} cannot be installed from PyPI (pip failed; is PyPI reachable?): ${pip.out.split("\n").pop()}`,
    );
  }
  fs.writeFileSync(marker, `${SCHEMATHESIS_VERSION}\n`);
  return bin;
}

module.exports = { SCHEMATHESIS_VERSION, SchemathesisUnavailable, ensureSchemathesis };
