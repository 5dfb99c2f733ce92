import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Issue 14 h: .github/CODEOWNERS puts the safety-critical paths under review of their owners. Matched with
 * GitHub's rules for the forms the file uses (`*`, `/dir/`, `/file`; the last matching line wins).
 */

const ROOT = path.join(__dirname, "..", "..");
const lines = fs
  .readFileSync(path.join(ROOT, ".github", "CODEOWNERS"), "utf8")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const rules = lines.map((l) => {
  const [pattern, ...owners] = l.split(/\s+/);
  return { pattern, owners };
});

function ownersOf(file: string): string[] {
  let owners: string[] = [];
  for (const r of rules) {
    const p = r.pattern;
    const hit = p === "*" || (p.endsWith("/") ? `/${file}`.startsWith(p) : `/${file}` === p);
    if (hit) owners = r.owners;
  }
  return owners;
}

describe(".github/CODEOWNERS", () => {
  test("every rule has an owner in @org/team form", () => {
    for (const r of rules) {
      expect(r.owners.length).toBeGreaterThan(0);
      for (const o of r.owners) expect(o).toMatch(/^@[a-z0-9-]+\/[a-z0-9-]+$/);
    }
  });

  test.each([
    "policies/index.ts",
    "policies/rules/alphastack.ts",
    "policies/baseline.json",
    "policies/config/production.json",
    "policies/config/staging.json",
    "infra/providers/dynamic.ts",
    "infra/providers/guard.ts",
    "stacks/platform.ts",
    ".github/workflows/promote.yml",
    ".github/CODEOWNERS",
  ])("%s is owned by platform-safety", (file) => {
    expect(fs.existsSync(path.join(ROOT, file))).toBe(true);
    expect(ownersOf(file)).toContain("@alphaplatform/platform-safety");
  });

  test("the baseline and the pack config also need AlphaStack's owners", () => {
    for (const f of ["policies/baseline.json", "policies/config/production.json"]) expect(ownersOf(f)).toContain("@alphaplatform/alphastack-owners");
  });

  test("other paths fall back to the platform team", () => {
    expect(ownersOf("apps/edge/index.ts")).toEqual(["@alphaplatform/platform"]);
  });
});
