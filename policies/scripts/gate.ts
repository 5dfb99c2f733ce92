/**
 * `npm run gate -- --stack <stack>`: the preview gate (docs/design.md, layer 4).
 *
 * 1. Validates the stack's policy config (policies/config/<stack>.json): an unknown policy name or bad key fails here,
 *    because the engine would silently ignore it.
 * 2. Runs `pulumi preview --stack <stack>` with the policy pack, streaming JSON events, and `--save-plan`.
 * 3. Fails when the preview fails, a mandatory policy is violated, or any step other than same/read touches
 *    AlphaStack (a pinned reference, an AlphaStack id, host or connection string in the step's old or new state),
 *    listing each.
 * 4. On success keeps the plan and writes a gate record next to it; production's `up` runs from that plan with
 *    STACKGUARD_PROMOTION=<record> (checked by the production-requires-promotion policy).
 * What it prints (its report and pulumi's stderr) is redacted: the secret values of the environment, of the stack's
 * config and of its state never appear (infra/ops/pulumi-output.ts).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { baselineFrom, BaselineConfigSchema, stackBaseline } from "../config";
import { analyseEvents, gatePasses } from "../lib/gate";
import { ProtectedSet } from "../lib/protected";
import { gitCommit } from "../pack/promotion";
import { validatePackConfigFile } from "../pack/validate-config";
import { GateRecord } from "../rules/promotion";
import { defineCli, resolveStack, runCli, stackOption, UsageError } from "../../infra/cli/define-cli";
import { redactPulumiOutput } from "../../infra/ops/pulumi-output";
import { alphaStackIdsFromStackFile, policyPackArgs, ROOT, runPulumi, secretsToRedact } from "./pulumi";

const USAGE = "usage: npm run gate -- --stack <stack> [--out-dir <dir>] [--timeout-minutes <n>]";

/**
 * The gate's entry point; resolves to the exit code (infra/cli/define-cli.ts): 0 pass, 1 fail (or the preview could
 * not run), 2 bad input (options, the stack's policy config), before any preview.
 */
export const main = defineCli({
  usage: USAGE,
  name: "[stackguard] gate",
  options: { ...stackOption, "out-dir": { type: "string" }, "timeout-minutes": { type: "string" } },
  run: ({ values }) =>
    gate(resolveStack(values.stack as string | undefined), values["out-dir"] as string | undefined, values["timeout-minutes"] as string | undefined),
});

async function gate(stack: string, outDirArg: string | undefined, timeoutArg: string | undefined): Promise<number> {
  const timeoutMin = Number(timeoutArg ?? 20);
  if (!Number.isFinite(timeoutMin) || timeoutMin <= 0) throw new UsageError(`--timeout-minutes must be a positive number (got '${timeoutArg}')`);

  const packArgs = policyPackArgs(stack);
  const cfgIdx = packArgs.indexOf("--policy-pack-config");
  const cfgFile = cfgIdx >= 0 ? packArgs[cfgIdx + 1] : undefined;
  if (cfgFile) {
    try {
      validatePackConfigFile(cfgFile);
    } catch (e) {
      // The engine would silently ignore a bad policy config: the user fixes the file.
      throw new UsageError((e as Error).message);
    }
  }
  const cfg = cfgFile ? (JSON.parse(fs.readFileSync(cfgFile, "utf8")) as Record<string, unknown>) : {};
  const pinEntry = cfg["alphastack-references-pinned"];
  const { enforcementLevel: _level, ...pinSettings } = pinEntry && typeof pinEntry === "object" ? (pinEntry as Record<string, unknown>) : {};
  const pinCfg = BaselineConfigSchema.parse(pinSettings);
  const pins = stackBaseline(baselineFrom(pinCfg), stack).resources;

  const outDir = path.resolve(outDirArg ?? path.join(ROOT, ".stackguard", "plans", stack));
  fs.mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const planFile = path.join(outDir, `${stamp}.plan.json`);

  // The engine's diagnostics can print resource inputs, secrets included: everything printed below is redacted.
  const secrets = await secretsToRedact(stack);
  process.stderr.write(`[stackguard] gate: previewing ${stack} with the policy pack…\n`);
  const started = Date.now();
  const r = await runPulumi(
    ["preview", "--stack", stack, "--non-interactive", "--json", "--save-plan", planFile, ...packArgs],
    { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" },
    timeoutMin * 60_000,
    { secrets },
  );
  const set = new ProtectedSet([...alphaStackIdsFromStackFile(stack), ...pins.map((p) => p.id)]);
  const report = analyseEvents(r.stdout, set, pins, []);
  const pass = gatePasses(report, r.code) && fs.existsSync(planFile);

  const lines: string[] = [];
  lines.push(`gate ${stack}: ${pass ? "PASS" : "FAIL"} (preview exit ${r.code}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  lines.push(
    `  steps: ${
      Object.entries(report.summary)
        .map(([op, n]) => `${op} ${n}`)
        .join(", ") || "none"
    }`,
  );
  for (const t of report.touching) lines.push(`  ✗ ${t.op} ${t.urn}: touches AlphaStack: ${t.reasons.join("; ")}`);
  for (const v of report.violations) {
    const mark = v.enforcementLevel === "mandatory" ? "✗" : "!";
    const said = v.message
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    lines.push(`  ${mark} [${v.enforcementLevel}] ${v.policyName} ${v.resourceUrn ?? ""}\n      ${said[said.length - 1] ?? ""}`);
  }
  for (const m of report.missingReads) lines.push(`  ✗ ${m}`);
  for (const e of report.errors) lines.push(`  ✗ error: ${e.split("\n")[0]}`);
  if (r.code !== 0 && !report.violations.length && !report.errors.length)
    lines.push("  ✗ the preview failed; run npm run pulumi -- preview --stack " + stack + " to see why");

  const record: GateRecord = {
    stack,
    planFile: path.basename(planFile),
    planSha256: fs.existsSync(planFile) ? createHash("sha256").update(fs.readFileSync(planFile)).digest("hex") : "0".repeat(64),
    createdAt: new Date().toISOString(),
    result: pass ? "pass" : "fail",
    // The commit the gate previewed: the up must run on the same one (production-requires-promotion, the wrapper).
    commit: gitCommit(ROOT) ?? null,
    summary: report.summary,
  };
  const recordFile = path.join(outDir, `${stamp}.gate.json`);
  fs.writeFileSync(recordFile, `${JSON.stringify(record, null, 2)}\n`);
  if (pass) {
    lines.push(`  plan:   ${path.relative(ROOT, planFile)}`);
    lines.push(`  record: ${path.relative(ROOT, recordFile)}`);
    lines.push(
      `  promote: STACKGUARD_PROMOTION=${path.relative(ROOT, recordFile)} PULUMI_EXPERIMENTAL=true npm run pulumi -- up --stack ${stack} --plan ${path.relative(ROOT, planFile)} --yes ${packArgs.map((a) => (a.includes("/") ? path.relative(ROOT, a) : a)).join(" ")}`,
    );
  } else if (fs.existsSync(planFile)) {
    fs.rmSync(planFile); // a plan the gate refused must not be promotable
  }
  process.stdout.write(redactPulumiOutput(`${lines.join("\n")}\n`, secrets));
  return pass ? 0 : 1;
}

if (require.main === module) runCli(main);
