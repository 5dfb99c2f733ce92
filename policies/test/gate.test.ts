import { analyseEvents, gatePasses, isNonChange, touchesAlphaStack } from "../lib/gate";
import { ProtectedSet } from "../lib/protected";

const set = new ProtectedSet([]);
const urn = (t: string, n: string) => `urn:pulumi:production::stackguard::${t}::${n}`;
const pre = (op: string, type: string, name: string, inputs: Record<string, unknown>, id?: string) =>
  JSON.stringify({ sequence: 1, resourcePreEvent: { metadata: { op, urn: urn(type, name), type, old: id ? { id, inputs } : null, new: { inputs } } } });

describe("preview gate", () => {
  const ENV = "pulumi-nodejs:dynamic/render:EnvVars";

  test("same and read steps never fail the gate; changes elsewhere pass", () => {
    const text = [
      pre("same", ENV, "alphastack-ref", { serviceId: "srv-alphastackengine0000" }),
      pre("read", "pulumi-nodejs:dynamic/render:Service", "alphastack-engine", {}, "srv-alphastackengine0000"),
      pre("update", ENV, "api-env", { serviceId: "srv-ourapi000000000000000", values: {} }),
      JSON.stringify({ summaryEvent: { result: "succeeded" } }),
    ].join("\n");
    const r = analyseEvents(text, set, [], []);
    expect(r.summary).toEqual({ same: 1, read: 1, update: 1 });
    expect(r.touching).toEqual([]);
    expect(gatePasses(r, 0)).toBe(true);
  });

  test("an update touching AlphaStack fails the gate and is listed with why", () => {
    const r = analyseEvents(pre("update", ENV, "x", { serviceId: "srv-alphastackengine0000" }), set, [], []);
    expect(r.touching).toEqual([
      { op: "update", urn: urn(ENV, "x"), reasons: ["serviceId mentions srv-alphastackengine0000 (AlphaStack's engine service (alphastack-engine))"] },
    ]);
    expect(gatePasses(r, 0)).toBe(false);
  });

  test("a delete of a pinned reference fails the gate", () => {
    const pinned = urn("pulumi-nodejs:dynamic/stackguard:ProtectedRef", "alphastack-db");
    const text = JSON.stringify({
      resourcePreEvent: {
        metadata: { op: "delete", urn: pinned, type: "pulumi-nodejs:dynamic/stackguard:ProtectedRef", old: { id: "ref-1", inputs: {} }, new: null },
      },
    });
    expect(analyseEvents(text, set, [{ urn: pinned, id: "dpg-alphastackdb00000000-a", mode: "managed" }], []).touching[0].reasons).toEqual([
      "it is an AlphaStack reference pinned in the baseline",
    ]);
  });

  test("a replace whose old id is AlphaStack's fails the gate", () => {
    const r = analyseEvents(pre("replace", "pulumi-nodejs:dynamic/render:Service", "engine", { name: "renamed" }, "srv-alphastackengine0000"), set, [], []);
    expect(r.touching[0].reasons[0]).toMatch(/its id is srv-alphastackengine0000/);
  });

  test("a command naming AlphaStack's service fails the gate; the provider's stack config does not", () => {
    expect(analyseEvents(pre("create", "command:local:Command", "c", { create: "render restart alphastack-engine" }), set, [], []).touching).toHaveLength(1);
    expect(
      analyseEvents(pre("update", "pulumi:providers:pulumi-nodejs", "default", { "stackguard:alphaStack": "srv-alphastackengine0000" }), set, [], []).touching,
    ).toHaveLength(0);
  });

  test("mandatory policy violations and error diagnostics fail the gate; advisories do not", () => {
    const violation = (level: string) =>
      JSON.stringify({ policyEvent: { policyName: "alphastack-frozen", enforcementLevel: level, resourceUrn: "u", message: "d\nmust not" } });
    expect(gatePasses(analyseEvents(violation("advisory"), set, [], []), 0)).toBe(true);
    expect(gatePasses(analyseEvents(violation("mandatory"), set, [], []), 1)).toBe(false);
    const err = analyseEvents(JSON.stringify({ diagnosticEvent: { severity: "error", message: "boom\n" } }), set, [], []);
    expect(err.errors).toEqual(["boom"]);
    expect(gatePasses(err, 0)).toBe(false);
  });

  test("a .get pinned in the baseline must still be read, with the same id", () => {
    const engine = urn("pulumi-nodejs:dynamic/render:Service", "alphastack-engine");
    const pin = [{ urn: engine, id: "srv-alphastackengine0000", mode: "read" as const }];
    const readStep = (id: string) =>
      JSON.stringify({
        resourcePreEvent: { metadata: { op: "read", urn: engine, type: "pulumi-nodejs:dynamic/render:Service", old: null, new: { id, inputs: {} } } },
      });
    expect(analyseEvents(readStep("srv-alphastackengine0000"), set, pin, []).missingReads).toEqual([]);
    expect(analyseEvents(readStep("srv-other000000000000000"), set, pin, []).missingReads[0]).toMatch(
      /must read srv-alphastackengine0000, but reads srv-other/,
    );
    const gone = analyseEvents("", set, pin, []);
    expect(gone.missingReads[0]).toMatch(/no longer reads srv-alphastackengine0000: restore the \.get/);
    expect(gatePasses(gone, 0)).toBe(false);
  });

  test("alert rules that only notify may be changed; touchesAlphaStack honours read-only URLs", () => {
    expect(
      touchesAlphaStack(
        {
          op: "update",
          urn: "u",
          type: "pulumi-nodejs:dynamic/stackguard:AlertRule",
          new: { inputs: { rule: { target: "srv-alphastackengine0000", action: { type: "none" } } } },
        },
        set,
        [],
        [],
      ),
    ).toEqual([]);
    expect(
      touchesAlphaStack({ op: "update", urn: "u", type: "x:y:Z", new: { inputs: { probe: "https://engine.alphastack.example/healthz" } } }, set, new Set(), [
        "https://engine.alphastack.example/healthz",
      ]),
    ).toEqual([]);
    expect(isNonChange("read-replacement")).toBe(true);
    expect(isNonChange("create-replacement")).toBe(false);
  });
});
