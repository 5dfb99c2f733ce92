#!/usr/bin/env node
"use strict";
/**
 * `npm test`: installs what is missing (as `npm start` does), type-checks, lints (`npm run lint`), then runs jest: unit, contract, policy
 * and integration suites (the integration suites drive the real `pulumi` CLI against the simulator).
 * Extra arguments are passed to jest, e.g. `npm test -- test/unit/health`.
 */
const { spawnSync } = require("node:child_process");
const path = require("node:path");
const { ROOT, ensureNodeSetup, runMain, log } = require("./lib/setup");

runMain(async () => {
  ensureNodeSetup();
  const { ensureToolchain } = require("./toolchain");
  const { binDir } = await ensureToolchain({ log });
  const env = { ...process.env, STACKGUARD_PULUMI_BIN_DIR: binDir };
  const extra = process.argv.slice(2);
  if (extra.length === 0) {
    log("type-checking (tsc --noEmit)…");
    const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "tsconfig.json"], {
      cwd: ROOT,
      stdio: "inherit",
      env,
    });
    if (tsc.status !== 0) return tsc.status ?? 1;
    // The policy pack has its own tsconfig and TypeScript; the engine loads it compiled without checks (policies/build.js).
    log("type-checking the policy pack (policies/tsconfig.json)…");
    const packTsc = spawnSync(
      process.execPath,
      [path.join(ROOT, "policies", "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", path.join("policies", "tsconfig.json")],
      { cwd: ROOT, stdio: "inherit", env },
    );
    if (packTsc.status !== 0) return packTsc.status ?? 1;
    if (require("./lint").lint() !== 0) return 1;
  }
  const jest = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "jest", "bin", "jest.js"), "--maxWorkers=2", ...extra], {
    cwd: ROOT,
    stdio: "inherit",
    env,
  });
  return jest.status ?? 1;
});
