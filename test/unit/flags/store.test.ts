import { FlagStore, FlagValidationError } from "../../../infra/flags";
import { meta, sampleSet } from "./fixtures";

const at = "2026-11-26T12:00:00.000Z";

describe("FlagStore evaluates through flagd-core as flagd would", () => {
  let store: FlagStore;
  beforeEach(() => {
    store = new FlagStore({ flags: sampleSet() });
  });

  it("targeting through a $ref evaluator matches staff", () => {
    const e = store.evaluate("new-checkout", { targetingKey: "u-1", email: "ana@alphaplatform.example" });
    expect(e).toMatchObject({ value: true, variant: "on", reason: "TARGETING_MATCH" });
  });

  it("sem_ver targeting picks the deep order book for 2.x and falls back to the default variant otherwise", () => {
    expect(store.evaluate("order-book-depth", { appVersion: "2.1.0" })).toMatchObject({ value: 50, variant: "deep", reason: "TARGETING_MATCH" });
    expect(store.evaluate("order-book-depth", { appVersion: "1.9.0" })).toMatchObject({ value: 10, variant: "shallow", reason: "DEFAULT" });
  });

  it("fractional rollout splits 25/75 by targetingKey", () => {
    let on = 0;
    const n = 8000;
    for (let i = 0; i < n; i++) if (store.evaluate("new-checkout", { targetingKey: `user-${i}` }).value === true) on++;
    expect(on / n).toBeGreaterThan(0.23);
    expect(on / n).toBeLessThan(0.27);
  });

  it("fractional rollout is sticky: same key, same variant, across calls and a rebuilt store", () => {
    const first = Array.from({ length: 200 }, (_, i) => store.evaluate("new-checkout", { targetingKey: `k${i}` }).variant);
    const again = new FlagStore({ flags: sampleSet() });
    const second = Array.from({ length: 200 }, (_, i) => again.evaluate("new-checkout", { targetingKey: `k${i}` }).variant);
    expect(second).toEqual(first);
    expect(new Set(first).size).toBe(2);
  });

  it("fractional buckets are those of flagd's murmur3 (flagKey + targetingKey): matches flagd's published test vectors", () => {
    // flagd testbed (flagd-testbed gherkin/evaluator fractional.feature, @fractional-v2 examples: the
    // high-precision (hash * totalWeight) >> 32 bucketing): bucket by "$flagd.flagKey" + user.name over four suits.
    const s = new FlagStore({
      flags: {
        flags: {
          "fractional-flag": {
            state: "ENABLED",
            variants: { clubs: "clubs", diamonds: "diamonds", hearts: "hearts", spades: "spades", wild: "wild" },
            defaultVariant: "wild",
            targeting: {
              fractional: [{ cat: [{ var: "$flagd.flagKey" }, { var: "user.name" }] }, ["clubs", 25], ["diamonds", 25], ["hearts", 25], ["spades", 25]],
            },
            metadata: meta("experiment"),
          },
        },
      },
    });
    const v = (name: string) => s.evaluate("fractional-flag", { user: { name } }).value;
    expect([v("jack"), v("queen"), v("ten"), v("nine"), v("3")]).toEqual(["hearts", "spades", "clubs", "diamonds", "clubs"]);
    // Shorthand form: bucket by flag key + targetingKey.
    const sh = new FlagStore({
      flags: {
        flags: {
          "fractional-flag-shorthand": {
            state: "ENABLED",
            variants: { heads: "heads", tails: "tails", draw: "draw" },
            defaultVariant: "draw",
            targeting: {
              fractional: [
                ["heads", 50],
                ["tails", 50],
              ],
            },
            metadata: meta("experiment"),
          },
        },
      },
    });
    expect(sh.evaluate("fractional-flag-shorthand", { targetingKey: "jon@company.com" }).value).toBe("heads");
    expect(sh.evaluate("fractional-flag-shorthand", { targetingKey: "jane@company.com" }).value).toBe("tails");
  });

  it("without a targetingKey, fractional yields null and the default variant is served", () => {
    expect(store.evaluate("new-checkout", {})).toMatchObject({ value: false, variant: "off", reason: "DEFAULT" });
  });

  it("a disabled flag has no value (callers use their code default); typed resolution returns the caller's default", () => {
    expect(store.evaluate("quote-banner", { targetingKey: "x" })).toEqual({
      key: "quote-banner",
      found: true,
      type: "string",
      reason: "DISABLED",
      metadata: expect.any(Object),
    });
    expect(store.resolve("string", "quote-banner", "code default")).toMatchObject({ value: "code default", reason: "DISABLED" });
  });

  it("asking for the wrong type is a TYPE_MISMATCH with the caller's default", () => {
    expect(store.resolve("string", "trading-enabled", "fallback")).toMatchObject({ value: "fallback", reason: "ERROR", errorCode: "TYPE_MISMATCH" });
    expect(store.resolve("boolean", "trading-enabled", false)).toMatchObject({ value: true, reason: "STATIC" });
  });

  it("an unknown key is FLAG_NOT_FOUND", () => {
    expect(store.evaluate("nope")).toMatchObject({ found: false, errorCode: "FLAG_NOT_FOUND" });
  });

  describe("kill-switch overrides", () => {
    it("off forces the off variant for everyone, ignoring targeting, and marks the metadata", () => {
      store.setOverride("new-checkout", { state: "off", at, by: "ana" });
      const staff = store.evaluate("new-checkout", { targetingKey: "u", email: "ana@alphaplatform.example" });
      expect(staff).toMatchObject({ value: false, variant: "off", reason: "STATIC" });
      expect(staff.metadata.override).toBe("off");
    });

    it("off uses metadata.offVariant for non-boolean flags, and disables flags with no off variant", () => {
      store.setOverride("ui-theme", { state: "off", at });
      expect(store.evaluate("ui-theme").value).toEqual({ bg: "#fff" });
      store.setOverride("order-book-depth", { state: "off", at });
      expect(store.evaluate("order-book-depth", { appVersion: "2.0.0" })).toMatchObject({ reason: "DISABLED" });
      expect(store.evaluate("order-book-depth").value).toBeUndefined();
    });

    it("on enables a declared-disabled flag with its declared behaviour; clearing restores the declaration", () => {
      store.setOverride("quote-banner", { state: "on", at });
      expect(store.evaluate("quote-banner")).toMatchObject({ value: "Trade now", variant: "a" });
      expect(store.clearOverride("quote-banner")).toBe(true);
      expect(store.evaluate("quote-banner").reason).toBe("DISABLED");
    });

    it("every change bumps the revision and notifies listeners; unknown keys are refused by name", () => {
      const seen: string[] = [];
      store.onChange((r) => seen.push(r));
      const before = store.revision;
      store.setOverride("trading-enabled", { state: "off", at });
      expect(store.revision).not.toBe(before);
      expect(seen).toEqual([store.revision]);
      expect(() => store.setOverride("ghost", { state: "off", at })).toThrow(/no flag 'ghost'/);
    });

    it("a snapshot round-trips definitions and overrides; a corrupt snapshot is refused", () => {
      store.setOverride("trading-enabled", { state: "off", at, reason: "incident 42" });
      const copy = FlagStore.fromSnapshot(JSON.parse(JSON.stringify(store.snapshot())));
      expect(copy.evaluate("trading-enabled").value).toBe(false);
      expect(copy.override("trading-enabled")).toEqual({ state: "off", at, reason: "incident 42" });
      expect(copy.revision).toBe(store.revision);
      expect(() => FlagStore.fromSnapshot({ flags: { flags: {} }, overrides: { x: { state: "maybe", at } } })).toThrow(/state/);
    });

    it("upserting a definition keeps the flag's override; an invalid upsert changes nothing", () => {
      store.setOverride("new-checkout", { state: "off", at });
      const def = store.definition("new-checkout")!;
      store.upsertFlag("new-checkout", { ...def, targeting: undefined, defaultVariant: "on" });
      expect(store.evaluate("new-checkout").value).toBe(false);
      const rev = store.revision;
      expect(() => store.upsertFlag("new-checkout", { ...def, variants: { on: true, off: 1 } })).toThrow(FlagValidationError);
      expect(store.revision).toBe(rev);
    });

    it("removing a flag from the set drops its override", () => {
      store.setOverride("trading-enabled", { state: "off", at });
      const set = store.definitions();
      delete set.flags["trading-enabled"];
      store.replaceFlagSet(set);
      expect(store.overrides()).toEqual({});
    });
  });
});
