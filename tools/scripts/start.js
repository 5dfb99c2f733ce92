#!/usr/bin/env node
"use strict";
/**
 * `npm start`: the main job. On a fresh clone it installs what is missing (npm deps, the policy pack's deps, the
 * offline Pulumi toolchain), starts the embedded Render when it is not running, selects or creates the `staging`
 * stack, and runs `pulumi up` with the policy pack enforced, printing the outputs. Idempotent: a second run
 * changes nothing.
 *
 * Options: `--stack <name>` (default staging).
 */
const fs = require("node:fs");
const path = require("node:path");
const { ROOT, runMain, log, SetupError } = require("./lib/setup");
const { preparePulumi, runPulumi } = require("./pulumi");
const { policyPackArgs } = require("./lib/policy-args");

function argValue(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

runMain(async () => {
  const started = Date.now();
  const stack = argValue("--stack", "staging");
  if (!fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`))) {
    throw new SetupError(`stack '${stack}' has no Pulumi.${stack}.yaml: create one (see README "Adding a stack") or use --stack staging.`);
  }
  const { env } = await preparePulumi();
  const select = await runPulumi(["stack", "select", stack, "--create", "--non-interactive"], { env });
  if (select.code !== 0) return select.code;
  // --refresh: reconcile state with what Render really runs before deciding what to change.
  const up = await runPulumi(["up", "--yes", "--non-interactive", "--skip-preview", "--refresh", "--stack", stack, ...policyPackArgs(stack)], { env });
  if (up.code !== 0) {
    log(`pulumi up failed (exit ${up.code}); nothing after the failing step was changed. See the messages above.`);
    return up.code;
  }
  const out = await runPulumi(["stack", "output", "--json", "--stack", stack], { env, capture: true });
  process.stdout.write(`\nOutputs of stack '${stack}':\n${out.stdout}`);
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
});
