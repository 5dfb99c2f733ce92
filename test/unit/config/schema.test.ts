import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { parseStackConfig, StackConfigError } from "../../../infra/config/load";

const ROOT = path.resolve(__dirname, "..", "..", "..");

/** Reads a committed stack file's `stackguard:*` keys as the program would see them. */
function rawConfig(stack: string): Record<string, any> {
  const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8"));
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(doc.config as Record<string, unknown>)) {
    if (k.startsWith("stackguard:")) out[k.slice("stackguard:".length)] = v;
  }
  return out;
}

function problemsOf(stack: string, raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(stack, raw);
  } catch (e) {
    if (e instanceof StackConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected the config to be rejected");
}

describe("stack config schema", () => {
  it.each(["staging", "production"])("accepts the committed %s config", (stack) => {
    const cfg = parseStackConfig(stack, rawConfig(stack));
    expect(cfg.environment).toBe(stack);
    expect(Object.keys(cfg.apps)).toEqual(expect.arrayContaining(["api", "frontend", "worker"]));
  });

  it("names the stack, the key and the allowed values for a wrong plan", () => {
    const raw = rawConfig("staging");
    raw.apps.api.plan = "enormous";
    const [problem] = problemsOf("staging", raw);
    expect(problem).toContain("stackguard:apps.api.plan");
    expect(problem).toContain("starter");
  });

  it("rejects negative instances", () => {
    const raw = rawConfig("staging");
    raw.apps.worker.instances = -1;
    expect(problemsOf("staging", raw).join("\n")).toMatch(/stackguard:apps\.worker\.instances: .*got -1/);
  });

  it("rejects an autoscaling range with min above max, naming min", () => {
    const raw = rawConfig("production");
    raw.apps.api.autoscaling = { min: 5, max: 2, cpuPercent: 70 };
    expect(problemsOf("production", raw).join("\n")).toContain("stackguard:apps.api.autoscaling.min: min must not be above max");
  });

  it("rejects an unknown region with the list of regions", () => {
    const raw = rawConfig("staging");
    raw.render.region = "mars";
    expect(problemsOf("staging", raw).join("\n")).toMatch(/stackguard:render\.region: .*oregon/);
  });

  it("refuses staging in AlphaStack's production workspace", () => {
    const raw = rawConfig("staging");
    raw.render.ownerId = raw.alphaStack.ownerId;
    expect(problemsOf("staging", raw).join("\n")).toContain("stackguard:render.ownerId: staging must not deploy into AlphaStack's production workspace");
  });

  it("refuses to route an AlphaStack domain", () => {
    const raw = rawConfig("production");
    raw.apps.api.hosts = ["engine.alphastack.example"];
    expect(problemsOf("production", raw).join("\n")).toContain("host engine.alphastack.example belongs to AlphaStack");
  });

  it("names unknown keys (typos) instead of ignoring them", () => {
    const raw = rawConfig("staging");
    raw.database.highAvailabilty = true;
    expect(problemsOf("staging", raw).join("\n")).toContain("highAvailabilty");
  });

  it("reports every problem at once and says which file to fix", () => {
    const raw = rawConfig("staging");
    raw.edge.instances = 0;
    raw.database.version = "9";
    const problems = problemsOf("staging", raw);
    expect(problems.length).toBeGreaterThanOrEqual(2);
    expect(problems.join("\n")).toContain("Pulumi.staging.yaml");
  });

  it("rejects a production file labelled staging", () => {
    const raw = rawConfig("production");
    expect(() => parseStackConfig("staging", { ...raw, render: { ownerId: "tea-stackguardstaging000", region: "oregon" } })).toThrow(/must be 'staging'/);
  });

  describe("blue/green promotion analysis", () => {
    it("applies the defaults when an app has no analysis block", () => {
      const cfg = parseStackConfig("staging", rawConfig("staging"));
      const api = cfg.apps.api;
      if (api.kind !== "blueGreen") throw new Error("api is a blue/green app");
      expect(api.analysis).toEqual({
        deployTimeoutMs: 900_000,
        preSwitch: { probes: 5, intervalMs: 2_000, timeoutMs: 2_000, maxLatencyMs: 1_000 },
        postSwitch: { bakeMs: 60_000, intervalMs: 10_000, minSamples: 50, maxErrorRate: 0.01, maxP99LatencyMs: 1_000, failureLimit: 0 },
        onInconclusive: "abort",
      });
    });

    it("keeps the defaults of fields a partial block leaves out", () => {
      const raw = rawConfig("staging");
      raw.apps.api.analysis = { postSwitch: { bakeMs: 5_000, intervalMs: 1_000 }, onInconclusive: "promote" };
      const api = parseStackConfig("staging", raw).apps.api;
      if (api.kind !== "blueGreen") throw new Error("api is a blue/green app");
      expect(api.analysis.postSwitch).toMatchObject({ bakeMs: 5_000, intervalMs: 1_000, minSamples: 50, maxErrorRate: 0.01 });
      expect(api.analysis.preSwitch.probes).toBe(5);
      expect(api.analysis.onInconclusive).toBe("promote");
    });

    it("names the key and the allowed values for a wrong onInconclusive", () => {
      const raw = rawConfig("staging");
      raw.apps.api.analysis = { onInconclusive: "ignore" };
      const problems = problemsOf("staging", raw);
      expect(problems.join("\n")).toMatch(/stackguard:apps\.api\.analysis\.onInconclusive: .*Use one of: abort, promote/);
    });

    it("rejects a bake interval longer than the bake, naming the field", () => {
      const raw = rawConfig("staging");
      raw.apps.api.analysis = { postSwitch: { bakeMs: 3_000 } };
      expect(problemsOf("staging", raw).join("\n")).toMatch(/stackguard:apps\.api\.analysis\.postSwitch\.intervalMs: intervalMs must not be above bakeMs/);
    });

    it("rejects an error-rate threshold outside [0, 1] and a typo in the block", () => {
      const raw = rawConfig("staging");
      raw.apps.api.analysis = { postSwitch: { maxErrorRate: 5 }, preswitch: {} };
      const text = problemsOf("staging", raw).join("\n");
      expect(text).toMatch(/stackguard:apps\.api\.analysis\.postSwitch\.maxErrorRate/);
      expect(text).toMatch(/Remove preswitch/);
    });
  });
});
