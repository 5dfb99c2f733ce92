#!/usr/bin/env node
"use strict";
/**
 * `npm run pulumi -- <args>`: the pinned Pulumi CLI (v3.248.0, built offline by tools/scripts/toolchain.js) with the
 * project's environment (see lib/pulumi-env.js). In embedded mode the simulator is started first when not running.
 */
const { spawn } = require("node:child_process");
const { ROOT, ensureNodeSetup, runMain, log } = require("./lib/setup");
const { isEmbedded, ensureEmbeddedRender, pulumiEnv } = require("./lib/pulumi-env");

/**
 * Prepares everything a pulumi call needs and returns the env to run it with.
 * @returns {Promise<{ env: NodeJS.ProcessEnv, binDir: string }>}
 */
async function preparePulumi({ quiet = false } = {}) {
  ensureNodeSetup();
  const { ensureToolchain } = require("./toolchain");
  const { binDir } = await ensureToolchain({ log: quiet ? () => {} : log });
  const render = isEmbedded() ? await ensureEmbeddedRender(quiet ? () => {} : log) : undefined;
  return { env: pulumiEnv({ binDir, render }), binDir };
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

module.exports = { preparePulumi, runPulumi };

if (require.main === module) {
  runMain(async () => {
    const { env } = await preparePulumi({ quiet: process.argv.includes("version") });
    const { code } = await runPulumi(process.argv.slice(2), { env });
    return code;
  });
}
