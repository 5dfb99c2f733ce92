#!/usr/bin/env node
"use strict";
/**
 * Checks a workflow's `stack` (and `app`) inputs against the repository, first thing in a job, right after checkout:
 * the stack must have a `Pulumi.<stack>.yaml`, and the app must be a blue/green app of that stack. Fails with one
 * clear line naming the input, the bad value and the allowed values.
 *
 * Usage: validate-inputs.js --stack <stack> [--app <app>]
 *
 * It runs before `npm ci`, so it uses Node's built-ins only: the app names come from a line scan of the
 * `stackguard:apps:` block of the stack file (two-space YAML as committed). The full schema check still happens in
 * every command the workflow runs afterwards (parseStackConfig); test/unit/workflows/ checks this scan agrees with
 * the schema on the committed stacks.
 */
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..", "..");

function knownStacks(root = ROOT) {
  return fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(f)?.[1])
    .filter(Boolean)
    .sort();
}

/**
 * The apps of a stack file by kind, from its `stackguard:apps:` block.
 * @returns {Record<string, string>} app name → kind
 */
function appsOf(stack, root = ROOT) {
  const lines = fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8").split(/\r?\n/);
  const start = lines.findIndex((l) => /^\s*stackguard:apps:\s*$/.test(l));
  if (start < 0) return {};
  const base = lines[start].match(/^\s*/)[0].length;
  const apps = {};
  let current;
  let appIndent;
  for (const line of lines.slice(start + 1)) {
    if (!line.trim() || line.trim().startsWith("#")) continue;
    const indent = line.match(/^\s*/)[0].length;
    if (indent <= base) break;
    appIndent ??= indent;
    const key = line.trim().match(/^([a-z][a-z0-9-]*):\s*$/);
    if (indent === appIndent && key) {
      current = key[1];
      apps[current] = "";
      continue;
    }
    const kind = line.trim().match(/^kind:\s*["']?([A-Za-z]+)["']?\s*$/);
    if (current && kind && indent > appIndent) apps[current] = kind[1];
  }
  return apps;
}

/**
 * @returns {string | undefined} the problem, or undefined when the inputs are valid
 */
function checkInputs({ stack, app }, root = ROOT) {
  const stacks = knownStacks(root);
  if (!stack) return `input 'stack' is empty: choose one of ${stacks.join(", ")}.`;
  if (!stacks.includes(stack)) return `input 'stack' is '${stack}', which has no Pulumi.${stack}.yaml: choose one of ${stacks.join(", ")}.`;
  if (app === undefined) return undefined;
  const apps = appsOf(stack, root);
  const blueGreen = Object.keys(apps)
    .filter((a) => apps[a] === "blueGreen")
    .sort();
  if (!app) return `input 'app' is empty: choose one of ${blueGreen.join(", ")} (the blue/green apps of stack '${stack}').`;
  if (!(app in apps)) return `input 'app' is '${app}', which is not an app of stack '${stack}': choose one of ${blueGreen.join(", ")}.`;
  if (apps[app] !== "blueGreen")
    return `input 'app' is '${app}', a ${apps[app] || "non-blue/green"} app of stack '${stack}': only blue/green apps have a warm slot to roll back to (${blueGreen.join(", ")}).`;
  return undefined;
}

function cli(argv = process.argv.slice(2)) {
  const opt = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? (argv[i + 1] ?? "") : undefined;
  };
  const problem = checkInputs({ stack: opt("--stack"), app: opt("--app") });
  if (problem) {
    process.stdout.write(`::error title=Invalid input::${problem}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`inputs ok: stack=${opt("--stack")}${opt("--app") !== undefined ? ` app=${opt("--app")}` : ""}\n`);
}

module.exports = { knownStacks, appsOf, checkInputs, cli };

if (require.main === module) cli();
