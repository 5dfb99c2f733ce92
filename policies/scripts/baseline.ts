/**
 * `npm run baseline -- --stack <stack> [--state <export.json> | --from-preview] [--check]`
 *
 * Regenerates the stack's entry in policies/baseline.json from its state (`pulumi stack export --show-secrets`
 * through the project's pinned CLI, or a file given with --state) and prints the difference as a reviewable list.
 * Pins are hashes: no secret value is printed or written. `--check` writes nothing and exits 1 when the baseline
 * is out of date (for CI). Against the embedded Render (no RENDER_API_URL) only the pins are written: the
 * simulator's ids are local to each machine.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BaselineSchema, PACK_DIR, readBaselineFile } from "../config";
import { ProtectedSet } from "../lib/protected";
import { signStackBaseline } from "../lib/baseline-digest";
import { buildStackBaseline, diffStackBaseline, StateResource } from "../lib/state";
import { defineCli, resolveStack, runCli, stackOption, UsageError } from "../../infra/cli/define-cli";
import { alphaStackIdsFromStackFile, exportState, runPulumi } from "./pulumi";

/** The resources a preview of the stack's program shows (reads as `external`), in the shape of a state export. */
async function previewResources(stack: string): Promise<StateResource[]> {
  const r = await runPulumi(["preview", "--stack", stack, "--json", "--non-interactive"], {}, 20 * 60_000, { quiet: true });
  let doc: { steps?: Array<{ op: string; urn: string; newState?: StateResource & { external?: boolean } }> };
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new Error(`pulumi preview --stack ${stack} did not print JSON (exit ${r.code}): run npm run pulumi -- preview --stack ${stack} to see why.`);
  }
  return (doc.steps ?? []).filter((s) => s.newState).map((s) => ({ ...s.newState!, urn: s.urn, external: s.op.startsWith("read") || !!s.newState!.external }));
}

const USAGE = "usage: npm run baseline -- --stack <stack> [--state <export.json> | --from-preview] [--check] [--out <file>]";

/** The entry point; resolves to the exit code (infra/cli/define-cli.ts): 0 done or up to date, 1 out of date with `--check` or failed, 2 usage error. */
export const main = defineCli({
  usage: USAGE,
  name: "[stackguard] baseline",
  options: { ...stackOption, state: { type: "string" }, check: { type: "boolean" }, out: { type: "string" }, "from-preview": { type: "boolean" } },
  run: ({ values }) => {
    const stack = resolveStack(values.stack as string | undefined);
    if (values.state !== undefined && !fs.existsSync(values.state as string))
      throw new UsageError(`--state ${values.state}: no such file (export it with: npm run pulumi -- stack export --stack ${stack} --file <file>)`);
    return baseline(stack, values as BaselineArgs);
  },
});

interface BaselineArgs {
  state?: string;
  check?: boolean;
  out?: string;
  "from-preview"?: boolean;
}

async function baseline(stack: string, args: BaselineArgs): Promise<number> {
  const out = path.resolve(args.out ?? path.join(PACK_DIR, "baseline.json"));
  let resources: StateResource[];
  let source: string;
  if (args["from-preview"]) {
    // A stack with no state yet (production before its first promotion): the resources its program would hold,
    // from a preview without the pack (the pack itself refuses a production stack without a baseline).
    resources = await previewResources(stack);
    source = `pulumi preview --stack ${stack} (no state yet)`;
  } else {
    const raw = args.state ? JSON.parse(fs.readFileSync(args.state, "utf8")) : await exportState(stack);
    resources = (raw?.deployment?.resources ?? []) as StateResource[];
    if (!Array.isArray(resources)) throw new Error("the state has no deployment.resources: is it the output of pulumi stack export?");
    source = args.state ? `state file ${path.basename(args.state)}` : `pulumi stack export --stack ${stack}`;
  }
  const set = new ProtectedSet(alphaStackIdsFromStackFile(stack));
  const fresh = buildStackBaseline(resources, set, source);
  if ((!args.state || args["from-preview"]) && !process.env.RENDER_API_URL) {
    // The embedded Render (the simulator) makes up ids per machine: they would be noise in a committed file.
    fresh.inventory = [];
    process.stdout.write("inventory skipped: the embedded Render's ids are local to this machine (set RENDER_API_URL for a real workspace).\n");
  }

  const current = fs.existsSync(out) ? readBaselineFile(out) : BaselineSchema.parse({ version: 1, stacks: {} });
  const signed = signStackBaseline(stack, fresh);
  const diff = diffStackBaseline(current.stacks[stack], signed);
  if (!diff.length && current.stacks[stack]?.digest !== signed.digest) diff.push(`~ digest ${current.stacks[stack]?.digest ?? "(none)"} → ${signed.digest}`);
  process.stdout.write(diff.length ? `baseline for ${stack}:\n${diff.map((l) => `  ${l}`).join("\n")}\n` : `baseline for ${stack}: unchanged\n`);
  if (args.check) return diff.length ? 1 : 0;
  if (diff.length) {
    const next = BaselineSchema.parse({ ...current, stacks: { ...current.stacks, [stack]: signed } });
    fs.writeFileSync(out, `${JSON.stringify(next, null, 2)}\n`);
    process.stdout.write(`wrote ${path.relative(process.cwd(), out)}: review the diff (git diff) before committing.\n`);
  }
  return 0;
}

if (require.main === module) runCli(main);
