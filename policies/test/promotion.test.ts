import { GateRecord, productionRequiresPromotion, PromotionSettings } from "../rules/promotion";

const sha = "a".repeat(64);
const record: GateRecord = { stack: "production", planFile: "production.plan.json", planSha256: sha, createdAt: "2026-11-27T00:00:00Z", result: "pass", summary: { same: 12, update: 1 } };
const s = (over: Partial<PromotionSettings> = {}): PromotionSettings => ({
  environment: "production",
  stack: "production",
  dryRun: false,
  evidence: { recordPath: "/tmp/gate.json", record, planSha256Now: sha },
  maxPlanAgeHours: 24,
  now: new Date("2026-11-27T01:00:00Z"),
  ...over,
});

describe("production-requires-promotion", () => {
  test("an update from a fresh, passing, unchanged gate plan is compliant", () => {
    expect(productionRequiresPromotion(s())).toEqual({ status: "compliant" });
  });
  test("an update without STACKGUARD_PROMOTION is refused with the promote path", () => {
    const r = productionRequiresPromotion(s({ evidence: {} }));
    expect(r.status === "non-compliant" && r.messages[0]).toMatch(/^An update of production must come through the promote path: STACKGUARD_PROMOTION is not set\. Run npm run gate -- --stack production/);
  });
  test("an unreadable gate record is refused", () => {
    const r = productionRequiresPromotion(s({ evidence: { recordPath: "/tmp/x.json", problem: "ENOENT" } }));
    expect(r.status === "non-compliant" && r.messages[0]).toMatch(/gate record \/tmp\/x\.json cannot be used: ENOENT/);
  });
  test("a record of another stack is refused", () => {
    const r = productionRequiresPromotion(s({ evidence: { recordPath: "/g", record: { ...record, stack: "staging" }, planSha256Now: sha } }));
    expect(r.status === "non-compliant" && r.messages[0]).toMatch(/must be for stack production, not staging/);
  });
  test("a failed gate is refused", () => {
    const r = productionRequiresPromotion(s({ evidence: { recordPath: "/g", record: { ...record, result: "fail" }, planSha256Now: sha } }));
    expect(r.status === "non-compliant" && r.messages[0]).toMatch(/must show a passing gate/);
  });
  test("a plan changed since the gate is refused", () => {
    const r = productionRequiresPromotion(s({ evidence: { recordPath: "/g", record, planSha256Now: "b".repeat(64) } }));
    expect(r.status === "non-compliant" && r.messages[0]).toMatch(/must be the one the gate reviewed/);
  });
  test("a stale gate record is refused", () => {
    const r = productionRequiresPromotion(s({ now: new Date("2026-11-28T01:00:01Z") }));
    expect(r.status === "non-compliant" && r.messages[0]).toMatch(/must be fresher than 24 h/);
  });
  test("previews and staging are not applicable", () => {
    expect(productionRequiresPromotion(s({ dryRun: true, evidence: {} })).status).toBe("not-applicable");
    expect(productionRequiresPromotion(s({ environment: "staging", evidence: {} })).status).toBe("not-applicable");
  });
  test("when the engine does not say whether it is a preview, production is treated as an update", () => {
    expect(productionRequiresPromotion(s({ dryRun: undefined, evidence: {} })).status).toBe("non-compliant");
  });
});
