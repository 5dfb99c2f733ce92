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
import { parseArgs } from "./args";
import { providerDigest } from "../../infra/providers/provider-digest";

const ROOT = path.resolve(PACK_DIR, "..");

/** Dynamic type → provider kind, from the resource classes' `super(lazyProvider("<kind>"), …, "<module>", "<Type>")`. */
export function dynamicTypes(root = ROOT): Record<string, string> {
  const dir = path.join(root, "infra", "providers");
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(".ts")).sort()) {
    const text = fs.readFileSync(path.join(dir, f), "utf8");
    for (const m of text.matchAll(/lazyProvider\("([a-z-]+)"\)[\s\S]*?"(render|stackguard)",\s*"([A-Za-z]+)"/g)) out[`pulumi-nodejs:dynamic/${m[2]}:${m[3]}`] = m[1];
  }
  return out;
}

function main(): number {
  const args = parseArgs(process.argv.slice(2), { check: "boolean", command: "string", name: "string" });
  if (args.command) {
    const inputs = JSON.parse(fs.readFileSync(args.command as string, "utf8")) as Record<string, unknown>;
    const { digest, scripts } = commandDigest(inputs, ROOT);
    process.stdout.write(`${JSON.stringify({ name: (args.name as string | undefined) ?? "<resource name>", sha256: digest })}\n`);
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

if (require.main === module) {
  try {
    process.exit(main());
  } catch (e) {
    process.stderr.write(`[stackguard] allowlist: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
