import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Every repository path a comment or doc quotes (`infra/…`, `apps/…`, `docs/…`, …) exists: a comment that points a
 * reader at a file that moved or never was is worse than no comment. Paths with a wildcard or a placeholder
 * (`<kind>`, `*`) are patterns, not files, and are skipped.
 */
const ROOT = path.resolve(__dirname, "..", "..", "..");
const SOURCE_DIRS = ["infra", "apps", "sim", "stacks", "policies", "tools", "test", "bench", ".github", "docs"];
const SKIP_DIRS = new Set(["node_modules", "dist", ".stackguard", "fixtures", "toolchain"]);
const TOP = "(?:infra|apps|sim|stacks|policies|tools|test|bench|docs|\\.github)";
/** Quoted on purpose though not in the repository: files the tests write into a project copy. */
const GENERATED = new Set(["stacks/scenario.ts"]);
const QUOTED = new RegExp(`(?<![\\w./-])(${TOP}/[A-Za-z0-9_./-]*[A-Za-z0-9_-](?:\\.[a-z]{1,5})?)`, "g");

function files(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) files(p, out);
    else if (/\.(ts|js|mjs|md)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** The comment text of a source file (line and block comments), or a Markdown file whole. */
function commentText(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  if (file.endsWith(".md")) return text.split("\n");
  return text
    .split("\n")
    .filter((l) => /^\s*(\/\/|\/\*|\*)/.test(l) || /\s\/\/\s/.test(l))
    .map((l) => l.replace(/^.*?(\/\/|\/\*|\*)/, ""));
}

describe("paths quoted in comments and docs", () => {
  it("every quoted repository path exists", () => {
    const missing: string[] = [];
    const roots = [...SOURCE_DIRS.map((d) => path.join(ROOT, d)).filter((d) => fs.existsSync(d))];
    const all = [...roots.flatMap((d) => files(d)), path.join(ROOT, "README.md")];
    for (const file of all) {
      for (const line of commentText(file)) {
        for (const m of line.matchAll(QUOTED)) {
          const quoted = m[1].replace(/[.]+$/, "");
          if (/[*<>{}$]/.test(quoted) || quoted.endsWith("/")) continue;
          // From the repository root, or from the file's own package (policies/ has its own); a module path may omit its extension.
          const bases = [ROOT, path.join(ROOT, path.relative(ROOT, file).split(path.sep)[0])];
          const found = bases.some((b) => ["", ".ts", ".js", "/index.ts"].some((ext) => fs.existsSync(path.join(b, quoted + ext))));
          if (!found && !GENERATED.has(quoted)) missing.push(`${path.relative(ROOT, file)}: ${quoted}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("no comment cites the first brief's DESIGN.md: the design lives in docs/design.md", () => {
    const cites = files(ROOT + "/infra")
      .concat(files(ROOT + "/policies"), files(ROOT + "/apps"), files(ROOT + "/sim"), files(ROOT + "/stacks"))
      .filter((f) => !f.endsWith(".md"))
      .filter((f) => commentText(f).some((l) => /(?<![\w/])DESIGN\.md/.test(l)))
      .map((f) => path.relative(ROOT, f));
    expect(cites).toEqual([]);
  });
});
