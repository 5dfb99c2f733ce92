import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readPromotionEvidence } from "../pack/promotion";
import { GateRecord, productionRequiresPromotion, PromotionSettings } from "../rules/promotion";

const sha = "a".repeat(64);
const commit = "c".repeat(40);
const record: GateRecord = {
  stack: "production",
  planFile: "production.plan.json",
  planSha256: sha,
  createdAt: "2026-11-27T00:00:00Z",
  result: "pass",
  summary: { same: 12, update: 1 },
  commit,
};
const planPath = "/tmp/production.plan.json";
const s = (over: Partial<PromotionSettings> = {}): PromotionSettings => ({
  environment: "production",
  stack: "production",
  dryRun: false,
  evidence: { recordPath: "/tmp/gate.json", record, planPath, planSha256Now: sha, commitNow: commit },
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
    expect(r.status === "non-compliant" && r.messages[0]).toMatch(
      /^An update of production must come through the promote path: STACKGUARD_PROMOTION is not set\. Run npm run gate -- --stack production/,
    );
  });
  test("an unreadable gate record is refused", () => {
    const r = productionRequiresPromotion(s({ evidence: { recordPath: "/tmp/x.json", problem: "ENOENT" } }));
    expect(r.status === "non-compliant" && r.messages[0]).toMatch(/gate record \/tmp\/x\.json cannot be used: ENOENT/);
  });
  test("a record of another stack is refused", () => {
    const r = productionRequiresPromotion(
      s({ evidence: { recordPath: "/g", record: { ...record, stack: "staging" }, planPath, planSha256Now: sha, commitNow: commit } }),
    );
    expect(r.status === "non-compliant" && r.messages[0]).toMatch(/must be for stack production, not staging/);
  });
  test("a failed gate is refused", () => {
    const r = productionRequiresPromotion(
      s({ evidence: { recordPath: "/g", record: { ...record, result: "fail" }, planPath, planSha256Now: sha, commitNow: commit } }),
    );
    expect(r.status === "non-compliant" && r.messages[0]).toMatch(/must show a passing gate/);
  });
  test("an update running under another plan than the one the gate recorded (sha256 mismatch) is refused", () => {
    const r = productionRequiresPromotion(s({ evidence: { recordPath: "/g", record, planPath, planSha256Now: "b".repeat(64), commitNow: commit } }));
    expect(r.status === "non-compliant" && r.messages[0]).toMatch(
      /The plan this update runs under \(\/tmp\/production\.plan\.json, sha256 b{64}\) must be the one the gate reviewed \(production\.plan\.json, sha256 a{64}\)/,
    );
  });
  test("an update that does not name the plan it runs under is refused", () => {
    const r = productionRequiresPromotion(s({ evidence: { recordPath: "/g", record, commitNow: commit } }));
    expect(r.status === "non-compliant" && r.messages[0]).toMatch(/must be named in STACKGUARD_PROMOTION_PLAN/);
  });
  test("an update on another commit than the gate's is refused", () => {
    const r = productionRequiresPromotion(s({ evidence: { recordPath: "/g", record, planPath, planSha256Now: sha, commitNow: "d".repeat(40) } }));
    expect(r.status === "non-compliant" && r.messages[0]).toMatch(/must run on the commit the gate reviewed \(c{40}\), but runs on d{40}/);
    const unknown = productionRequiresPromotion(s({ evidence: { recordPath: "/g", record, planPath, planSha256Now: sha, commitNow: undefined } }));
    expect(unknown.status === "non-compliant" && unknown.messages[0]).toMatch(/could not be read/);
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

describe("readPromotionEvidence (the pack's view of the plan it runs under)", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-promotion-"));
  const gated = path.join(dir, "gated.plan.json");
  fs.writeFileSync(gated, '{"resourcePlans":{}}');
  const gatedSha = createHash("sha256").update(fs.readFileSync(gated)).digest("hex");
  const recordPath = path.join(dir, "gate.json");
  fs.writeFileSync(recordPath, JSON.stringify({ ...record, planFile: "gated.plan.json", planSha256: gatedSha, createdAt: new Date().toISOString() }));
  const settings = (evidence: ReturnType<typeof readPromotionEvidence>) => s({ evidence, now: new Date() });

  test("the gated plan on the gate's commit is compliant", () => {
    const e = readPromotionEvidence({ STACKGUARD_PROMOTION: recordPath, STACKGUARD_PROMOTION_PLAN: gated }, () => commit);
    expect(e).toMatchObject({ planPath: gated, planSha256Now: gatedSha, commitNow: commit });
    expect(productionRequiresPromotion(settings(e))).toEqual({ status: "compliant" });
  });

  test("another plan file, even next to an intact gated plan, is a hash mismatch", () => {
    const other = path.join(dir, "other.plan.json");
    fs.writeFileSync(other, '{"resourcePlans":{"x":{}}}');
    const r = productionRequiresPromotion(
      settings(readPromotionEvidence({ STACKGUARD_PROMOTION: recordPath, STACKGUARD_PROMOTION_PLAN: other }, () => commit)),
    );
    expect(r.status === "non-compliant" && r.messages.join("\n")).toMatch(/other\.plan\.json, sha256 [0-9a-f]{64}\) must be the one the gate reviewed/);
  });

  test("a record without the commit binding is unusable", () => {
    const { commit: _c, ...unbound } = JSON.parse(fs.readFileSync(recordPath, "utf8"));
    const old = path.join(dir, "old.json");
    fs.writeFileSync(old, JSON.stringify(unbound));
    const e = readPromotionEvidence({ STACKGUARD_PROMOTION: old, STACKGUARD_PROMOTION_PLAN: gated }, () => commit);
    expect(e.problem).toMatch(/commit/);
  });
});
