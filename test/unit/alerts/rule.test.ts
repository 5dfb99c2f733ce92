import { AlertRuleValidationError, parseAlertRule, parseAlertRules, validateAlertRule, type AlertRuleInput } from "../../../infra/alerts";

const valid: AlertRuleInput = {
  name: "api-error-rate",
  signal: "api.error_rate",
  target: "api",
  comparator: ">",
  critical: { threshold: 0.02, recovery: 0.01 },
  interval: "30s",
  for: "2m",
  severity: "page",
  runbookUrl: "https://runbooks.example/api-error-rate",
  action: { type: "rollback", app: "api" },
};

function pathsOf(over: Record<string, unknown>, opts = {}) {
  const r = validateAlertRule({ ...valid, ...over }, opts);
  if (r.ok) throw new Error("expected rejection");
  return r.issues;
}

describe("AlertRule validation names the field", () => {
  it("accepts a valid rule and resolves the signal's defaults", () => {
    const r = parseAlertRule(valid);
    expect(r).toMatchObject({ window: "5m", reducer: "mean", noDataAfter: "5m", noData: "nodata", onError: "keep-last", minSamples: 1, keepFiringFor: "0s" });
  });

  it("unknown signal → signal, listing the known ones", () => {
    const [i] = pathsOf({ signal: "api.vibes" });
    expect(i).toEqual({ path: "signal", message: expect.stringMatching(/unknown signal: use one of .*api\.error_rate/) });
  });

  it("threshold of the wrong type → critical.threshold / warning.recovery", () => {
    expect(pathsOf({ critical: { threshold: "2%" } })[0]).toEqual({ path: "critical.threshold", message: "must be a number" });
    expect(pathsOf({ warning: { threshold: 0.01, recovery: "low" } })[0]!.path).toBe("warning.recovery");
  });

  it("for shorter than the evaluation interval → for", () => {
    const [i] = pathsOf({ interval: "1m", for: "30s" });
    expect(i).toEqual({ path: "for", message: expect.stringMatching(/30s is shorter than the evaluation interval 1m/) });
    expect(validateAlertRule({ ...valid, interval: "1m", for: "0s" }).ok).toBe(true);
  });

  it("an action on AlphaStack is rejected, by id, by name, and for any rule about AlphaStack", () => {
    expect(pathsOf({ action: { type: "rollback", app: "alphastack-engine" } })[0]!.path).toBe("action.app");
    expect(pathsOf({ action: { type: "killSwitch", flag: "srv-alphastackengine0000" } })[0]).toEqual({
      path: "action.flag",
      message: expect.stringMatching(/never acts on AlphaStack/),
    });
    const engine = { name: "engine-down", signal: "alphastack.engine_status", target: undefined, comparator: "<", critical: { threshold: 0.5 } };
    expect(pathsOf({ ...engine, action: { type: "killSwitch", flag: "new-checkout" } })[0]!.path).toBe("action");
    expect(pathsOf({ signal: "resource.cpu", target: "srv-alphastackworker0000", action: { type: "rollback", app: "api" } })[0]!.path).toBe("action");
    expect(
      pathsOf(
        { signal: "resource.cpu", target: "srv-custom00000000000000", action: { type: "rollback", app: "api" } },
        { extraProtected: ["srv-custom00000000000000"] },
      )[0]!.path,
    ).toBe("action");
    expect(validateAlertRule({ ...valid, ...engine, action: { type: "none" } }).ok).toBe(true);
  });

  it("recovery on the wrong side, warning more severe than critical, confirmWindow not shorter, missing target", () => {
    expect(pathsOf({ critical: { threshold: 0.02, recovery: 0.03 } })[0]!.path).toBe("critical.recovery");
    expect(pathsOf({ warning: { threshold: 0.05 } })[0]!.path).toBe("warning.threshold");
    expect(pathsOf({ comparator: "<", critical: { threshold: 0.99, recovery: 0.98 } })[0]!.path).toBe("critical.recovery");
    expect(pathsOf({ window: "5m", confirmWindow: "5m" })[0]!.path).toBe("confirmWindow");
    expect(pathsOf({ target: undefined })[0]!.path).toBe("target");
    expect(pathsOf({ keepFiringFor: "10s" })[0]!.path).toBe("keepFiringFor");
    expect(pathsOf({ window: "10s" })[0]!.path).toBe("window");
  });

  it("bad durations, names, labels, URLs and extra fields are refused by field", () => {
    expect(pathsOf({ for: "5 minutes" })[0]!.path).toBe("for");
    expect(pathsOf({ name: "API Error" })[0]!.path).toBe("name");
    expect(pathsOf({ labels: { "team-name": "x" } })[0]!.path).toBe("labels.team-name");
    expect(pathsOf({ runbookUrl: "wiki/page" })[0]!.path).toBe("runbookUrl");
    expect(pathsOf({ minSamples: 2.5 })[0]!.path).toBe("minSamples");
    expect(pathsOf({ thresold: 1 })[0]!.message).toMatch(/thresold/);
  });

  it("parseAlertRule throws with every field listed; rule sets need unique names", () => {
    expect(() => parseAlertRule({ ...valid, signal: "nope", for: "x" })).toThrow(AlertRuleValidationError);
    try {
      parseAlertRule({ ...valid, signal: "nope", for: "x" });
    } catch (e) {
      expect((e as Error).message).toMatch(/signal:.*\n.*for:/s);
    }
    expect(() => parseAlertRules([valid, valid])).toThrow(/used by two rules/);
  });
});
