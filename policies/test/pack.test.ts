import * as fs from "node:fs";
import * as path from "node:path";
import { allPolicies } from "../pack/all";
import { validatePackConfigFile } from "../pack/validate-config";

describe("the stackguard pack", () => {
  const policies = allPolicies();

  test("policy names are unique kebab-case, and every mandatory guardrail is mandatory by default", () => {
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z]+(-[a-z]+)*$/);
    const level = (n: string) => policies.find((p) => p.name === n)?.enforcementLevel;
    for (const n of [
      "alphastack-frozen",
      "alphastack-references-pinned",
      "alphastack-references-present",
      "environment-isolation",
      "traffic-switch-analysed",
      "blue-green-slot-health-check",
      "blue-green-slot-no-persistent-disk",
      "traffic-switch-force-break-glass",
      "production-database-writes",
      "migrations-backward-compatible",
      "production-requires-promotion",
      "edge-state-key-value",
    ])
      expect(level(n)).toBe("mandatory");
    expect(level("secrets-are-secret")).toBe("remediate");
    for (const n of [
      "production-web-service-redundant",
      "production-auto-deploy-off",
      "build-filter-present",
      "service-region-matches-database",
      "service-plan-matches-metrics",
    ]) {
      expect(level(n)).toBe("advisory");
    }
  });

  test("the committed per-stack config files are valid", () => {
    const dir = path.join(__dirname, "..", "config");
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(files).toEqual(expect.arrayContaining(["production.json", "staging.json"]));
    for (const f of files) expect(() => validatePackConfigFile(path.join(dir, f))).not.toThrow();
  });

  test("a config file with a bad setting names the file, policy and key", () => {
    const f = path.join(require("node:os").tmpdir(), `sg-bad-config-${process.pid}.json`);
    fs.writeFileSync(f, JSON.stringify({ "production-requires-promotion": { maxPlanAgeHours: -1 } }));
    try {
      expect(() => validatePackConfigFile(f)).toThrow(/entry 'production-requires-promotion' is invalid: maxPlanAgeHours/);
    } finally {
      fs.rmSync(f);
    }
  });
});
