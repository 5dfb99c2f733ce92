import { defaultRules, parseAlertRule, SIGNAL_NAMES, sloBurnRateRules, toPrometheus } from "../../../infra/alerts";
import YAML from "yaml";

describe("sloBurnRateRules", () => {
  const rules = sloBurnRateRules({
    name: "api-slo",
    app: "api",
    objective: 0.999,
    runbookUrl: "https://runbooks.example/slo",
    pageAction: { type: "rollback", app: "api" },
  }).map((r) => parseAlertRule(r));

  it("generates the SRE workbook's four multi-window burn-rate rules", () => {
    expect(rules.map((r) => [r.window, r.confirmWindow, r.critical.threshold, r.severity])).toEqual([
      ["1h", "5m", 0.0144, "page"],
      ["6h", "30m", 0.006, "page"],
      ["1d", "2h", 0.003, "ticket"],
      ["3d", "6h", 0.001, "ticket"],
    ]);
  });

  it("acts only on page rules, and exports both windows to PromQL", () => {
    expect(rules.map((r) => r.action.type)).toEqual(["rollback", "rollback", "none", "none"]);
    const expr = YAML.parse(toPrometheus(rules[0]!)).groups[0].rules[0].expr as string;
    expect(expr).toContain("[1h]");
    expect(expr).toContain("[5m]");
  });

  it("refuses an objective outside (0, 1)", () => {
    expect(() => sloBurnRateRules({ name: "x", app: "api", objective: 99.9, runbookUrl: "https://r.example" })).toThrow(/objective/);
  });
});

describe("default rule sets", () => {
  for (const stack of ["staging", "production"] as const) {
    it(`${stack}: covers every signal, validates, and no rule about AlphaStack acts`, () => {
      const rules = defaultRules(stack);
      expect(new Set(rules.map((r) => r.signal))).toEqual(new Set(SIGNAL_NAMES));
      for (const r of rules.filter((x) => x.signal.startsWith("alphastack") || (x.target ?? "").includes("alphastack"))) {
        expect(r.action).toEqual({ type: "none" });
      }
      expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
    });
  }

  it("production pages where staging only tickets, and staging thresholds are looser", () => {
    const prod = defaultRules("production");
    const stg = defaultRules("staging");
    expect(stg.some((r) => r.severity === "page")).toBe(false);
    expect(prod.find((r) => r.name === "api-error-rate")!.severity).toBe("page");
    expect(stg.find((r) => r.name === "api-error-rate")!.critical.threshold).toBeGreaterThan(prod.find((r) => r.name === "api-error-rate")!.critical.threshold);
    expect(prod.find((r) => r.name === "api-error-rate")!.action).toEqual({ type: "rollback", app: "api" });
  });
});

describe("targetsFromStackConfig", () => {
  it("derives the production targets from Pulumi.production.yaml", async () => {
    const { readFileSync } = await import("node:fs");
    const { StackConfigSchema } = await import("../../../infra/config/schema");
    const { targetsFromStackConfig, PRODUCTION_TARGETS } = await import("../../../infra/alerts");
    const raw = YAML.parse(readFileSync("Pulumi.production.yaml", "utf8")).config as Record<string, unknown>;
    const cfg = StackConfigSchema.parse(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^stackguard:/, ""), v])));
    const t = targetsFromStackConfig(cfg, { runbookBaseUrl: PRODUCTION_TARGETS.runbookBaseUrl });
    expect(t.apps).toEqual(["api"]);
    expect(t.frontends).toEqual(["frontend"]);
    expect(t.domains).toEqual(PRODUCTION_TARGETS.domains);
    expect(t.services).toEqual(
      expect.arrayContaining([
        { name: "api-blue", minInstances: 2 },
        { name: "worker", minInstances: 2 },
        { name: "edge", minInstances: 2 },
      ]),
    );
    expect(defaultRules("production", t).length).toBeGreaterThan(30);
  });
});
