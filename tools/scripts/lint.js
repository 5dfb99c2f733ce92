#!/usr/bin/env node
"use strict";
/**
 * `npm run lint` (also the first step of `npm test`): eslint (typescript-eslint, the layer rules, no import cycles,
 * 160-character lines: eslint.config.mjs), prettier's check of the formatting (.prettierrc.json; `npm run format`
 * applies it) and knip (unused files, exports and dependencies: knip.jsonc). Exit 0 when all three are clean.
 */
const { spawnSync } = require("node:child_process");
const path = require("node:path");
const { ROOT, ensureNodeSetup, runMain, log } = require("./lib/setup");

/** The three checks, each a package's own CLI from node_modules. */
const CHECKS = [
  ["eslint", ["eslint", "bin", "eslint.js"], ["."]],
  ["prettier --check", ["prettier", "bin", "prettier.cjs"], ["--check", "--log-level", "warn", "."]],
  ["knip", ["knip", "bin", "knip.js"], ["--no-progress"]],
];

/** Runs every check (all of them, so one run reports everything); resolves to 0 when all passed, else 1. */
function lint() {
  let failed = 0;
  for (const [name, bin, args] of CHECKS) {
    log(`lint: ${name}…`);
    const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", ...bin), ...args], { cwd: ROOT, stdio: "inherit" });
    if (r.status !== 0) {
      log(`lint: ${name} failed${name === "prettier --check" ? " (run npm run format)" : ""}`);
      failed++;
    }
  }
  return failed ? 1 : 0;
}

module.exports = { lint };

if (require.main === module) {
  runMain(async () => {
    ensureNodeSetup();
    return lint();
  });
}
