import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The digest of a dynamic provider's code (issue 14 g). `lazyProvider` loads `infra/providers/impl/<kind>.ts` from
 * disk at run time, so the state holds no trace of the code that acted: a change to it shows no diff. The digest is
 * sha256 over the implementation and every project module it imports, transitively (static `import … from "./…"`,
 * `require("./…")`), plus `dynamic.ts` itself; it is recorded as the `stackguardProviderDigest` input of each resource, and
 * production's allowlist (policies/allowlist.json) pins the reviewed value per type.
 */

const IMPORT = /(?:from\s+|require\(\s*|import\(\s*)["'](\.{1,2}\/[^"']+)["']/g;

function resolveModule(fromFile: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const c of [base, `${base}.ts`, `${base}.js`, path.join(base, "index.ts"), path.join(base, "index.js")]) {
    try {
      if (fs.statSync(c).isFile()) return c;
    } catch {
      /* next candidate */
    }
  }
  return undefined;
}

/** Project files the module imports, transitively (type-only imports included: they are code review scope too). */
export function moduleClosure(entry: string, root: string): string[] {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file) || !file.startsWith(root + path.sep) || file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    seen.add(file);
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const m of text.matchAll(IMPORT)) {
      const dep = resolveModule(file, m[1]);
      if (dep) stack.push(dep);
    }
  }
  return [...seen].sort();
}

const cache = new Map<string, string>();

/** `sha256:<hex>` of the code behind `lazyProvider(kind)` in the project at `root`. */
export function providerDigest(root: string, kind: string): string {
  const key = `${root}\0${kind}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const entry = resolveModule(path.join(root, "infra", "providers", "impl", "x.ts"), `./${kind}`);
  if (!entry) throw new Error(`stackguard: no provider implementation infra/providers/impl/${kind}.ts`);
  const files = new Set([...moduleClosure(entry, root), path.join(root, "infra", "providers", "dynamic.ts")]);
  const h = createHash("sha256").update("stackguard/provider-code/v1\n");
  for (const f of [...files].sort())
    h.update(`${path.relative(root, f)}\0`)
      .update(fs.readFileSync(f))
      .update("\0");
  const digest = `sha256:${h.digest("hex")}`;
  cache.set(key, digest);
  return digest;
}

/** The project's provider kinds (file names under infra/providers/impl/ that export a provider). */
export function providerKinds(root: string): string[] {
  const dir = path.join(root, "infra", "providers", "impl");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && /export const provider\b/.test(fs.readFileSync(path.join(dir, f), "utf8")))
    .map((f) => f.slice(0, -3))
    .sort();
}
