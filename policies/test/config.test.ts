import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BaselineConfigSchema,
  BaselineSchema,
  BreakGlassConfigSchema,
  checkPackConfig,
  engineSchema,
  parseOrThrow,
  PolicyConfigError,
  readBaselineFile,
} from "../config";
import { resolveEnvironment, stackConfigFromEnv, stackContext } from "../lib/context";

const PACK = path.join(__dirname, "..");

describe("baseline file", () => {
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "sg-baseline-"));

  test("the committed baseline is valid", () => {
    expect(readBaselineFile(path.join(PACK, "baseline.json")).version).toBe(1);
  });

  test("a missing file names the path and the fix", () => {
    expect(() => readBaselineFile("/nonexistent/baseline.json")).toThrow(
      /baseline file \/nonexistent\/baseline\.json does not exist: restore policies\/baseline\.json from git or run npm run baseline/,
    );
  });

  test("a file that is not JSON is refused", () => {
    const d = tmp();
    fs.writeFileSync(path.join(d, "b.json"), "{ nope");
    expect(() => readBaselineFile(path.join(d, "b.json"))).toThrow(/is not valid JSON/);
  });

  test("a bad pin names its key", () => {
    const d = tmp();
    const f = path.join(d, "b.json");
    fs.writeFileSync(
      f,
      JSON.stringify({
        version: 1,
        stacks: {
          production: {
            resources: [{ urn: "urn:pulumi:production::stackguard::render:Service::x", type: "t", id: "srv-x", mode: "managed", inputsHash: "md5:abc" }],
          },
        },
      }),
    );
    expect(() => readBaselineFile(f)).toThrow(/stacks\.production\.resources\.0\.inputsHash: must be "sha256:" followed by 64 lower-case hex digits/);
  });

  test("a managed entry without a pin is refused", () => {
    const r = BaselineSchema.safeParse({ version: 1, stacks: { p: { resources: [{ urn: "urn:pulumi:p::x::t::n", type: "t", id: "i", mode: "managed" }] } } });
    expect(r.success).toBe(false);
  });

  test("an unknown key is refused (no silent typo)", () => {
    expect(() => parseOrThrow(BaselineConfigSchema, { baselinefile: "x.json" }, "policy 'alphastack-references-pinned'", "Fix it.")).toThrow(PolicyConfigError);
  });
});

describe("policy config", () => {
  test("break-glass entries need a reviewer other than the requester and an ISO expiry", () => {
    const bad = { breakGlass: [{ app: "api", reason: "incident 42 rollback", requestedBy: "alice", reviewer: "alice", expires: "tomorrow" }] };
    const err = (() => {
      try {
        parseOrThrow(BreakGlassConfigSchema, bad, "the --policy-pack-config entry for policy 'traffic-switch-force-break-glass'", "Fix it.");
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(err).toMatch(/breakGlass\.0\.expires: must be an ISO 8601 time/);
    expect(err).toMatch(/breakGlass\.0\.reviewer: reviewer must be someone other than requestedBy/);
  });

  test("the engine schema carries defaults and no regex patterns", () => {
    const s = engineSchema(BreakGlassConfigSchema);
    expect((s.properties.maxValidityHours as { default: number }).default).toBe(24);
    expect(JSON.stringify(s)).not.toMatch(/"pattern"/);
  });

  test("a config file naming an unknown policy is refused (the engine would ignore it)", () => {
    expect(() => checkPackConfig({ "alphastack-frozn": "mandatory" }, ["alphastack-frozen"], "policies/config/x.json")).toThrow(
      /"alphastack-frozn" is not a policy of the stackguard pack/,
    );
    expect(() => checkPackConfig({ "alphastack-frozen": "strict" }, ["alphastack-frozen"], "f")).toThrow(/must be an enforcement level/);
    expect(() => checkPackConfig({ all: "mandatory", "alphastack-frozen": { enforcementLevel: "advisory" } }, ["alphastack-frozen"], "f")).not.toThrow();
  });
});

describe("stack context", () => {
  test("the stack named production is production, whatever the config says", () => {
    expect(resolveEnvironment("production", undefined)).toBe("production");
    expect(() => resolveEnvironment("production", "staging")).toThrow(/stackguard:environment is "staging" but the stack is named "production"/);
  });
  test("other stacks take the config, and default to production (strictest)", () => {
    expect(resolveEnvironment("matrix", "staging")).toBe("staging");
    expect(resolveEnvironment("matrix", undefined)).toBe("production");
    expect(() => resolveEnvironment("matrix", "prod")).toThrow(/must be "staging" or "production"/);
  });
  test("context comes from the engine's environment variables, the URN as fallback", () => {
    const env = { PULUMI_NODEJS_DRY_RUN: "true", PULUMI_CONFIG: JSON.stringify({ "stackguard:environment": "staging" }) };
    expect(stackContext("urn:pulumi:matrix::stackguard::pulumi:pulumi:Stack::stackguard-matrix", env)).toEqual({
      stack: "matrix",
      environment: "staging",
      dryRun: true,
    });
    expect(stackConfigFromEnv({ PULUMI_CONFIG: "not json" })).toEqual({});
  });
});
