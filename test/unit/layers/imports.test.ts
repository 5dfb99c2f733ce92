import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The layer rules of docs/design.md, checked on the source: which top-level folders each folder may import from.
 * Every relative import, `require` and dynamic `import()` of every non-test `.ts`/`.js` file is resolved to the
 * top-level folder it lands in. `infra/` never imports `apps/`: what the edge and its callers share is the edge's
 * wire contract, `infra/edge-contract/`, which `apps/edge` imports (issue 18 item 1).
 */

const ROOT = path.resolve(__dirname, "..", "..", "..");
const SPEC = /(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)["'](\.{1,2}\/[^"']+)["']/g;

/** Folders whose code may not import from the listed folders. */
const FORBIDDEN: Record<string, readonly string[]> = {
  infra: ["apps", "stacks", "tools", "test", "bench", "sim", "policies"],
  apps: ["stacks", "tools", "test", "bench", "sim", "policies"],
  sim: ["apps", "stacks", "tools", "test", "bench", "policies"],
  stacks: ["tools", "test", "bench", "sim", "policies"],
  policies: ["apps", "stacks", "tools", "test", "bench", "sim"],
  tools: ["test", "bench"],
};

function sources(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (["node_modules", "dist", ".stackguard"].includes(e.name) || e.name.startsWith("dist.")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "test") sources(p, out);
    } else if (/\.(ts|js)$/.test(e.name) && !e.name.endsWith(".d.ts") && !e.name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

/** `from -> to` for every import that leaves its own top-level folder. */
function crossImports(): Array<{ file: string; from: string; to: string; spec: string }> {
  const edges = [];
  for (const top of Object.keys(FORBIDDEN)) {
    for (const file of sources(path.join(ROOT, top))) {
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(SPEC)) {
        const target = path.relative(ROOT, path.resolve(path.dirname(file), m[1]!));
        const to = target.split(path.sep)[0]!;
        if (to !== top && !to.startsWith("..")) edges.push({ file: path.relative(ROOT, file), from: top, to, spec: m[1]! });
      }
    }
  }
  return edges;
}

describe("layers (docs/design.md)", () => {
  const edges = crossImports();

  test("finds the imports it checks (the scanner works)", () => {
    expect(edges.some((e) => e.from === "stacks" && e.to === "infra")).toBe(true);
    expect(edges.some((e) => e.from === "policies" && e.to === "infra")).toBe(true);
  });

  test.each(Object.entries(FORBIDDEN))("%s/ imports none of its forbidden folders", (from, forbidden) => {
    const bad = edges.filter((e) => e.from === from && forbidden.includes(e.to)).map((e) => `${e.file} imports ${e.spec}`);
    expect(bad).toEqual([]);
  });

  test("sim/ uses only infra/'s generic modules, never the Render client or the providers it is the test bench of", () => {
    const bad = edges
      .filter((e) => e.from === "sim" && e.to === "infra")
      .map((e) => path.relative(ROOT, path.resolve(ROOT, path.dirname(e.file), e.spec)))
      .filter((t) => !SIM_MAY_USE.some((m) => t === m || t.startsWith(`${m}/`)));
    expect(bad).toEqual([]);
  });

  test("the edge imports its wire contract (the scanner sees apps/ -> infra/edge-contract)", () => {
    expect(edges.some((e) => e.from === "apps" && path.resolve(ROOT, path.dirname(e.file), e.spec).startsWith(path.join(ROOT, "infra", "edge-contract")))).toBe(
      true,
    );
  });

  test("infra/edge-contract loads no Pulumi and nothing of apps/, however deep (the deployed edge imports it)", () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = fs.readFileSync(file, "utf8");
      if (/(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)["']@pulumi\//.test(text)) bad.push(`${path.relative(ROOT, file)} imports @pulumi`);
      for (const m of text.matchAll(SPEC)) {
        const base = path.resolve(path.dirname(file), m[1]!);
        const target = [`${base}.ts`, path.join(base, "index.ts"), base].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
        if (!target) continue;
        if (path.relative(ROOT, target).split(path.sep)[0] === "apps") bad.push(`${path.relative(ROOT, file)} imports ${m[1]}`);
        else visit(target);
      }
    };
    visit(path.join(ROOT, "infra", "edge-contract", "index.ts"));
    expect(seen.size).toBeGreaterThan(5);
    expect(bad).toEqual([]);
  });
});

/**
 * What the simulator may share with infra/: generic HTTP hygiene, redaction and Render's published plan sizes. Not
 * the Render client, the providers or any model of ours: a bug there must not be mirrored by the bench that tests it.
 */
const SIM_MAY_USE: readonly string[] = ["infra/http/lingering-close", "infra/redact", "infra/cost/prices"];
