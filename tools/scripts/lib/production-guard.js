"use strict";
/**
 * The wrapper's refusal of production changes that did not come through the gate (tools/scripts/pulumi.js and
 * tools/scripts/pulumi-redacted.ts call {@link guardProductionMutation} before they start pulumi).
 *
 * On a stack whose `Pulumi.<stack>.yaml` says `stackguard:environment: production`:
 * - `up` runs only when it applies a gate-reviewed plan with the pack loaded: `--plan <file>`, STACKGUARD_PROMOTION
 *   naming a passing gate record of this stack whose planSha256 is that file's sha256 and whose commit is the
 *   project's HEAD now, and the project's `--policy-pack` (and the stack's `--policy-pack-config`) in the arguments.
 *   The pack's production-requires-promotion policy checks the same record again from inside the engine; the
 *   wrapper passes it the plan it runs under as STACKGUARD_PROMOTION_PLAN.
 * - `destroy`, `import`, `refresh`, `state …`, `stack import|rm|rename` and `cancel` are refused (they cannot apply a
 *   reviewed plan); their `--preview-only` forms are allowed, and so is a `refresh` whose every `--target` is a
 *   traffic switch (rollback.yml records a rollback that way: it reads the edge's active slots into the state).
 * Previews and reads are never refused. This guards the project's own entry points; the credentials that can change
 * production live only in the reviewed GitHub environment (docs/pipeline.md), which is what stops the raw CLI.
 */
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { spawnSync } = require("node:child_process");
const { ROOT, SetupError } = require("./setup");
const { policyPackArgs } = require("./policy-args");

/** Global pulumi flags that take a value (so that value is not mistaken for the command). */
const VALUE_FLAGS = new Set(["-C", "--cwd", "--color", "-v", "--verbose", "--logflow", "--tracing", "--profiling", "--memprofilerate", "-s", "--stack"]);
/** Commands whose second word is a subcommand. */
const GROUPS = new Set(["state", "stack", "config", "plugin", "policy", "org", "schema", "package"]);

/** The pulumi command words of `args` (e.g. `["state", "delete"]`, `["up"]`), skipping flags. */
function commandOf(args) {
  const words = [];
  for (let i = 0; i < args.length && words.length < (GROUPS.has(words[0]) ? 2 : 1); i++) {
    const a = args[i];
    if (a === "--") break;
    if (a.startsWith("-")) {
      if (VALUE_FLAGS.has(a)) i++;
      continue;
    }
    words.push(a);
  }
  return words;
}

/** The value of a flag (`--flag v` or `--flag=v`; every occurrence). */
function flagValues(args, ...names) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    for (const n of names) {
      if (args[i] === n && i + 1 < args.length) out.push(args[i + 1]);
      else if (args[i].startsWith(`${n}=`)) out.push(args[i].slice(n.length + 1));
    }
  }
  return out;
}

/** The selected stack (`pulumi stack --show-name`), for a command that names none. */
function selectedStackWith(env, cwd) {
  const r = spawnSync("pulumi", ["stack", "--show-name", "--non-interactive"], { cwd, env, encoding: "utf8", timeout: 60_000 });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

/** The stack the command operates on: `--stack`/`-s`, else the selected one. */
function stackOf(args, selected) {
  const given = flagValues(args, "--stack", "-s")[0] ?? selected();
  return given ? given.split("/").pop() : undefined;
}

/** True when the stack's file declares it production (the stack named `production` counts without a file). */
function isProductionStack(stack, root = ROOT) {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) return stack === "production";
  return /^\s*stackguard:environment:\s*["']?production["']?\s*$/m.test(fs.readFileSync(file, "utf8"));
}

/** `git rev-parse HEAD` of `dir`; null outside a git work tree (the same rule as the pack's gitCommit). */
function gitCommit(dir) {
  const r = spawnSync("git", ["rev-parse", "--verify", "--quiet", "HEAD"], { cwd: dir, encoding: "utf8", timeout: 10_000 });
  if (r.error) return undefined;
  const sha = r.stdout.trim();
  if (r.status === 0 && /^[0-9a-f]{40}$/.test(sha)) return sha;
  const inside = spawnSync("git", ["rev-parse", "--is-inside-work-tree"], { cwd: dir, encoding: "utf8", timeout: 10_000 });
  return inside.status === 0 ? undefined : null;
}

/** The type of the TrafficSwitch resources (infra/providers/traffic-switch.ts, a dynamic resource). */
const TRAFFIC_SWITCH = "pulumi-nodejs:dynamic/stackguard:TrafficSwitch";

/** True for `refresh --target <urn>…` whose every target is a traffic switch. */
function refreshesOnlyTrafficSwitches(args) {
  const targets = flagValues(args, "--target", "-t");
  return targets.length > 0 && targets.every((urn) => urn.split("::")[2]?.split("$").pop() === TRAFFIC_SWITCH);
}

const MUTATIONS = new Set(["up", "update", "destroy", "down", "dn", "import", "refresh", "state", "cancel"]);
const STACK_MUTATIONS = new Set(["import", "rm", "remove", "rename"]);

/**
 * Throws a {@link SetupError} naming what is missing when `args` would change a production stack without applying a
 * gate-reviewed plan with the pack loaded. Returns the extra environment the pulumi call needs (for an allowed
 * production `up`: STACKGUARD_PROMOTION and STACKGUARD_PROMOTION_PLAN as absolute paths), else `{}`.
 * @param {string[]} args pulumi's arguments
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, root?: string, selectedStack?: () => string | undefined }} [opts]
 *   `selectedStack`: how to learn the stack when `--stack` is not given (default: ask pulumi with `env`).
 * @returns {Record<string, string>}
 */
function guardProductionMutation(args, { env = process.env, cwd = ROOT, root = ROOT, selectedStack } = {}) {
  const [cmd, sub] = commandOf(args);
  const mutates = MUTATIONS.has(cmd) || (cmd === "stack" && STACK_MUTATIONS.has(sub));
  if (!mutates || args.includes("--preview-only")) return {};
  if (cmd === "refresh" && refreshesOnlyTrafficSwitches(args)) return {};
  if (args.includes("--help") || args.includes("-h")) return {};
  const stack = stackOf(args, selectedStack ?? (() => selectedStackWith(env, cwd)));
  if (!stack || !isProductionStack(stack, root)) return {};

  const how = `Production changes only through the promote path: npm run gate -- --stack ${stack} --out-dir <dir>, review its report, then .github/scripts/pulumi-up.sh ${stack} <dir> (docs/pipeline.md).`;
  if (cmd !== "up" && cmd !== "update") {
    throw new SetupError(
      `refusing \`pulumi ${[cmd, sub].filter(Boolean).join(" ")}\` on production stack '${stack}': it cannot apply a gate-reviewed plan. ${how}`,
    );
  }
  const problems = [];
  const plan = flagValues(args, "--plan")[0];
  const planPath = plan ? path.resolve(cwd, plan) : undefined;
  if (!planPath) problems.push("--plan <the plan the gate saved> is missing");
  else if (!fs.existsSync(planPath)) problems.push(`the plan ${plan} does not exist`);

  const given = env.STACKGUARD_PROMOTION;
  let record;
  const recordPath = given ? path.resolve(cwd, given) : undefined;
  if (!recordPath) problems.push("STACKGUARD_PROMOTION=<gate record> is not set");
  else {
    try {
      record = JSON.parse(fs.readFileSync(recordPath, "utf8"));
    } catch (e) {
      problems.push(`the gate record ${given} cannot be read (${String(e.message).split("\n")[0]})`);
    }
  }
  if (record) {
    if (record.result !== "pass") problems.push(`the gate record ${given} is a failed gate (${record.result})`);
    if (record.stack !== stack) problems.push(`the gate record ${given} is for stack '${record.stack}', not '${stack}'`);
    if (planPath && fs.existsSync(planPath)) {
      const sha = createHash("sha256").update(fs.readFileSync(planPath)).digest("hex");
      if (sha !== record.planSha256) problems.push(`the plan ${plan} (sha256 ${sha}) is not the plan the gate reviewed (sha256 ${record.planSha256})`);
    }
    const now = gitCommit(root);
    if (!("commit" in record)) problems.push(`the gate record ${given} names no commit: re-run the gate`);
    else if (now === undefined) problems.push("the project's git commit cannot be read (is git installed?)");
    else if (now !== record.commit)
      problems.push(`the gate ran on commit ${record.commit ?? "none (not a git work tree)"}, this checkout is at ${now ?? "none (not a git work tree)"}`);
  }

  const packs = flagValues(args, "--policy-pack").map((p) => path.resolve(cwd, p));
  const configs = flagValues(args, "--policy-pack-config").map((p) => path.resolve(cwd, p));
  const want = policyPackArgs(stack);
  for (let i = 0; i < want.length; i += 2) {
    const [flag, value] = [want[i], want[i + 1]];
    const have = flag === "--policy-pack" ? packs : configs;
    if (!have.includes(path.resolve(value))) problems.push(`the policy pack is not loaded: ${flag} ${path.relative(cwd, value) || "."} is missing`);
  }

  if (problems.length) throw new SetupError(`refusing \`pulumi up\` on production stack '${stack}': ${problems.join("; ")}. ${how}`);
  return { STACKGUARD_PROMOTION: recordPath, STACKGUARD_PROMOTION_PLAN: planPath };
}

/** True when `args` name their stack (`--stack`/`-s`), so the guard needs no pulumi to find it. */
function namesStack(args) {
  return flagValues(args, "--stack", "-s").length > 0;
}

module.exports = { guardProductionMutation, commandOf, isProductionStack, namesStack };
