/**
 * `npm run allowlist [-- --check] [-- --command <inputs.json> --name <resource name>]`
 *
 * Regenerates `providerDigests` in policies/allowlist.json (issue 14 g): for each resource class built on
 * `lazyProvider("<kind>")` (infra/providers/*.ts), its dynamic type and the digest of its provider code
 * (infra/providers/provider-digest.ts). Prints the difference for review; `--check` writes nothing and exits 1 when
 * the file is out of date. `--command <file>` prints the allowlist entry for a `command:*` resource whose inputs
 * (create/update/delete, dir, environment, …) are in the JSON file, with the digest of what it runs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { AllowlistFileSchema, PACK_DIR, readAllowlistFile } from "../config";
import { commandDigest } from "../lib/commands";
import { defineCli, runCli, UsageError } from "../../infra/cli/define-cli";
import { providerDigest } from "../../infra/providers/provider-digest";

const ROOT = path.resolve(PACK_DIR, "..");

/** Dynamic type → provider kind, from the resource classes' `super(lazyProvider("<kind>"), …, "<module>", "<Type>")`. */
export function dynamicTypes(root = ROOT): Record<string, string> {
  const dir = path.join(root, "infra", "providers");
  const out: Record<string, string> = {};
  for (const f of fs
    .readdirSync(dir)
    .filter((x) => x.endsWith(".ts"))
    .sort()) {
    const text = fs.readFileSync(path.join(dir, f), "utf8");
    for (const m of text.matchAll(/lazyProvider\("([a-z-]+)"\)[\s\S]*?"(render|stackguard)",\s*"([A-Za-z]+)"/g))
      out[`pulumi-nodejs:dynamic/${m[2]}:${m[3]}`] = m[1];
  }
  return out;
}

const USAGE = "usage: npm run allowlist [-- --check] | npm run allowlist -- --command <inputs.json> [--name <resource name>]";

/** The entry point; resolves to the exit code (infra/cli/define-cli.ts): 0 done or up to date, 1 stale with `--check` or failed, 2 usage error. */
export const main = defineCli({
  usage: USAGE,
  name: "[stackguard] allowlist",
  options: { check: { type: "boolean" }, command: { type: "string" }, name: { type: "string" } },
  run: ({ values }) => allowlist(values as { check?: boolean; command?: string; name?: string }),
});

function allowlist(args: { check?: boolean; command?: string; name?: string }): number {
  if (args.name !== undefined && args.command === undefined) throw new UsageError("--name only goes with --command <inputs.json>");
  if (args.command !== undefined) {
    let inputs: Record<string, unknown>;
    try {
      inputs = JSON.parse(fs.readFileSync(args.command, "utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`--command ${args.command}: ${(e as Error).message.split("\n")[0]} (a JSON file of the command resource's inputs)`);
    }
    const { digest, scripts } = commandDigest(inputs, ROOT);
    process.stdout.write(`${JSON.stringify({ name: args.name ?? "<resource name>", sha256: digest })}\n`);
    for (const s of scripts) process.stdout.write(`  runs ${s.path} (sha256 ${s.sha256})\n`);
    return 0;
  }
  const file = path.join(PACK_DIR, "allowlist.json");
  const current = readAllowlistFile();
  const fresh: Record<string, string> = {};
  for (const [type, kind] of Object.entries(dynamicTypes())) fresh[type] = providerDigest(ROOT, kind);
  const diff: string[] = [];
  for (const [t, d] of Object.entries(fresh)) {
    if (current.providerDigests[t] !== d) diff.push(`${current.providerDigests[t] ? "~" : "+"} ${t}: ${current.providerDigests[t] ?? "(none)"} → ${d}`);
    if (!current.resourceTypes.includes(t)) diff.push(`+ type ${t}`);
  }
  for (const t of Object.keys(current.providerDigests)) if (!(t in fresh)) diff.push(`- ${t}`);
  process.stdout.write(diff.length ? `allowlist provider digests:\n${diff.map((l) => `  ${l}`).join("\n")}\n` : "allowlist provider digests: unchanged\n");
  if (args.check) return diff.length ? 1 : 0;
  if (diff.length) {
    const types = [...new Set([...current.resourceTypes, ...Object.keys(fresh)])];
    const next = AllowlistFileSchema.parse({ ...current, resourceTypes: types, providerDigests: Object.fromEntries(Object.entries(fresh).sort()) });
    fs.writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}: review the diff (git diff) before committing.\n`);
  }
  return 0;
}

if (require.main === module) runCli(main);
