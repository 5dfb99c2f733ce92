import { FlagValidationError, parseFlagSet, validateFlagSet } from "../../../infra/flags";
import { meta, sampleSet } from "./fixtures";

function withFlag(key: string, flag: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { flags: { [key]: { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on", metadata: meta("release"), ...flag } }, ...extra };
}

function issuesOf(input: unknown) {
  const r = validateFlagSet(input);
  if (r.ok) throw new Error("expected the flag set to be rejected");
  return r.issues;
}

describe("flag set validation (zod model + the official flagd schema shipped in flagd-core)", () => {
  it("accepts a flagd document with $evaluators, fractional, sem_ver and object variants", () => {
    expect(() => parseFlagSet(sampleSet())).not.toThrow();
  });

  it("rejects variants of mixed types, naming the flag's variants (flagd schema)", () => {
    const issues = issuesOf(withFlag("mixed", { variants: { on: true, off: "no" } }));
    expect(issues).toEqual([{ path: "flags.mixed.variants", message: expect.stringMatching(/one type/) }]);
  });

  it("rejects an unknown JSON Logic operator in targeting, naming the operator (flagd targeting schema)", () => {
    const issues = issuesOf(withFlag("t", { targeting: { if: [{ bogus_op: [1, 2] }, "on", "off"] } }));
    expect(issues[0]!.path).toMatch(/^flags\.t\.targeting/);
    expect(issues.map((i) => i.message).join(" ")).toMatch(/bogus_op/);
  });

  it("rejects a $ref to a missing evaluator, naming the flag's targeting", () => {
    const issues = issuesOf(withFlag("r", { targeting: { if: [{ $ref: "nobody" }, "on", "off"] } }));
    expect(issues).toEqual([{ path: "flags.r.targeting", message: expect.stringMatching(/\$evaluators/) }]);
  });

  it("rejects a defaultVariant that is not a variant", () => {
    const issues = issuesOf(withFlag("d", { defaultVariant: "maybe" }));
    expect(issues[0]!.message).toMatch(/defaultVariant 'maybe'/);
  });

  it("rejects a bad state, a missing owner and an unknown kind, each by field", () => {
    expect(issuesOf(withFlag("s", { state: "ON" })).map((i) => i.path)).toContain("flags.s.state");
    expect(issuesOf(withFlag("o", { metadata: { kind: "release", createdAt: "2026-01-01" } })).map((i) => i.path)).toContain("flags.o.metadata.owner");
    expect(issuesOf(withFlag("k", { metadata: { ...meta("release"), kind: "forever" } })).map((i) => i.path)).toContain("flags.k.metadata.kind");
    expect(issuesOf(withFlag("c", { metadata: { ...meta("release"), createdAt: "last tuesday" } })).map((i) => i.path)).toContain("flags.c.metadata.createdAt");
  });

  it("rejects a kill-switch flag that has no off variant, and an offVariant that does not exist", () => {
    const ks = issuesOf(withFlag("ks", { variants: { a: "x", b: "y" }, defaultVariant: "a", metadata: meta("kill-switch") }));
    expect(ks).toEqual([{ path: "flags.ks.metadata.offVariant", message: expect.stringMatching(/kill-switch/) }]);
    const bad = issuesOf(withFlag("ov", { metadata: { ...meta("operational"), offVariant: "nope" } }));
    expect(bad[0]!.path).toBe("flags.ov.metadata.offVariant");
  });

  it("rejects keys that cannot travel in a URL and unknown top-level properties", () => {
    expect(issuesOf(withFlag("has space", {}))[0]!.path).toBe("flags.has space");
    expect(issuesOf({ ...withFlag("a", {}), extra: 1 })[0]!.message).toMatch(/extra/);
  });

  it("parseFlagSet throws a FlagValidationError whose message lists every field", () => {
    try {
      parseFlagSet(withFlag("mixed", { variants: { on: true, off: 3 } }));
      throw new Error("should have thrown");
    } catch (e) {
      expect(e).toBeInstanceOf(FlagValidationError);
      expect((e as Error).message).toContain("flags.mixed.variants");
    }
  });
});
