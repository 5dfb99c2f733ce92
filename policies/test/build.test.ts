import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";

/**
 * Issue 14 i: the engine loads the compiled pack (policies/build.js), never the TypeScript through ts-node, and a
 * stale build is rebuilt. The side-by-side timing is the policy matrix's msWithPack/msWithoutPack.
 */

const PACK = path.join(__dirname, "..");
const build = require(path.join(PACK, "build.js")) as {
  ensurePackBuilt(o?: { log?: (l: string) => void }): { built: boolean };
  staleReason(): string | undefined;
};

describe("the compiled policy pack", () => {
  test("PulumiPolicy.yaml turns TypeScript off and package.json's main is the compiled entry point", () => {
    const doc = YAML.parse(fs.readFileSync(path.join(PACK, "PulumiPolicy.yaml"), "utf8"));
    expect(doc.runtime).toEqual({ name: "nodejs", options: { typescript: false } });
    const pkg = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8"));
    expect(pkg.main).toBe("pack.js");
    // Built first, the SDK's unused modules deferred next (lazy-sdk.test.ts), then the compiled pack.
    const entry = fs.readFileSync(path.join(PACK, "pack.js"), "utf8");
    const order = ['require("./build").ensurePackBuilt()', 'require("./lazy-sdk").deferUnusedSdkModules()', 'require("./dist/policies/index.js")'].map((s) =>
      entry.indexOf(s),
    );
    expect(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]))).toBe(true);
  });

  test("a build is reused while the sources are unchanged, and a new source makes it stale", () => {
    build.ensurePackBuilt({ log: () => {} });
    expect(build.staleReason()).toBeUndefined();
    expect(build.ensurePackBuilt({ log: () => {} }).built).toBe(false);
    const probe = path.join(PACK, "lib", `zz-stale-probe-${process.pid}.ts`);
    fs.writeFileSync(probe, "export const probe = 1;\n");
    try {
      expect(build.staleReason()).toBe("the sources changed");
    } finally {
      fs.rmSync(probe, { force: true });
    }
    expect(build.staleReason()).toBeUndefined();
  }, 300_000);

  test("the compiled pack has every policy and finds its own directory (baseline.json) from dist/", () => {
    build.ensurePackBuilt({ log: () => {} });
    const all = require(path.join(PACK, "dist", "policies", "pack", "all.js")) as { allPolicies(): Array<{ name: string }> };
    const src = require("../pack/all") as { allPolicies(): Array<{ name: string }> };
    expect(all.allPolicies().map((p) => p.name)).toEqual(src.allPolicies().map((p) => p.name));
    expect((require(path.join(PACK, "dist", "policies", "config.js")) as { PACK_DIR: string }).PACK_DIR).toBe(PACK);
  }, 300_000);
});
