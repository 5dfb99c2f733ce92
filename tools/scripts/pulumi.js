#!/usr/bin/env node
"use strict";
/**
 * `npm run pulumi -- <args>`: the pinned Pulumi CLI (v3.248.0: the official install on PATH, or the offline build of
 * tools/scripts/toolchain.js; STACKGUARD_TOOLCHAIN chooses) with the project's environment (see lib/pulumi-env.js).
 * In embedded mode the simulator is started first when not running.
 * A change of a production stack that does not apply a gate-reviewed plan with the pack loaded is refused before
 * pulumi starts (lib/production-guard.js).
 */
const { spawn } = require("node:child_process");
const { ROOT, ensureNodeSetup, runMain, log } = require("./lib/setup");
const { isEmbedded, ensureEmbeddedRender, pulumiEnv } = require("./lib/pulumi-env");
const { guardProductionMutation, namesStack } = require("./lib/production-guard");

/**
 * Prepares everything a pulumi call needs and returns the env to run it with.
 * @returns {Promise<{ env: NodeJS.ProcessEnv, binDir: string }>}
 */
async function preparePulumi({ quiet = false } = {}) {
  ensureNodeSetup();
  const { ensureToolchain } = require("./toolchain");
  const toolchain = await ensureToolchain({ log: quiet ? () => {} : log });
  // Once per run: which pulumi this is (the official install on PATH, or our offline build).
  if (!quiet && !process.env.STACKGUARD_TOOLCHAIN_ANNOUNCED) {
    log(`toolchain: ${toolchain.describe}`);
    process.env.STACKGUARD_TOOLCHAIN_ANNOUNCED = "1";
  }
  const render = isEmbedded() ? await ensureEmbeddedRender(quiet ? () => {} : log) : undefined;
  return { env: pulumiEnv({ toolchain, render }), binDir: toolchain.binDir, toolchain };
}

/**
 * Runs `pulumi <args>` in the project directory with inherited stdio (or captured stdout when `capture` is set).
 * @returns {Promise<{ code: number, stdout: string }>}
 */
function runPulumi(args, { env, capture = false, cwd = ROOT }) {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", args, { cwd, env, stdio: ["inherit", capture ? "pipe" : "inherit", "inherit"] });
    let stdout = "";
    if (capture) child.stdout.on("data", (d) => (stdout += d));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout }));
  });
}

module.exports = { preparePulumi, runPulumi, guardProductionMutation };

if (require.main === module) {
  runMain(async () => {
    const args = process.argv.slice(2);
    // With --stack on the command line the refusal comes before anything starts (no toolchain, no simulator).
    const early = namesStack(args) ? guardProductionMutation(args) : undefined;
    const { env } = await preparePulumi({ quiet: args.includes("version") });
    const extra = early ?? guardProductionMutation(args, { env });
    const { code } = await runPulumi(args, { env: { ...env, ...extra } });
    return code;
  });
}
