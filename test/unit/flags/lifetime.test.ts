import { FLAG_LIFETIME_DAYS, parseFlagSet, staleFlags } from "../../../infra/flags";
import { meta, sampleSet } from "./fixtures";

describe("staleFlags", () => {
  const set = parseFlagSet(sampleSet());

  it("reports a release flag past 60 days, with owner and days overdue, and nothing permanent", () => {
    const stale = staleFlags(set, new Date("2027-01-15T00:00:00Z"));
    expect(stale.map((s) => s.key)).toEqual(["new-checkout"]);
    expect(stale[0]).toMatchObject({ kind: "release", owner: "team-platform", daysOverdue: 15, expiredAt: "2026-12-31T00:00:00.000Z" });
    expect(stale[0]!.message).toMatch(/new-checkout.*stale.*60-day/);
  });

  it("counts the end of life itself as stale and the day before as fresh", () => {
    expect(staleFlags(set, new Date("2026-12-30T23:59:59Z")).map((s) => s.key)).toEqual([]);
    expect(staleFlags(set, new Date("2026-12-31T00:00:00Z")).map((s) => s.key)).toEqual(["new-checkout"]);
  });

  it("reports experiments after 90 days and never kill switches or operational flags", () => {
    const keys = staleFlags(set, new Date("2030-01-01T00:00:00Z")).map((s) => s.key);
    expect(keys.sort()).toEqual(["new-checkout", "order-book-depth", "quote-banner"]);
    expect(FLAG_LIFETIME_DAYS["kill-switch"]).toBeNull();
  });

  it("honours an explicit expiresAt, even on a permanent kind", () => {
    const s = parseFlagSet({
      flags: {
        temp: { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on", metadata: { ...meta("operational"), expiresAt: "2026-11-20" } },
      },
    });
    const stale = staleFlags(s, new Date("2026-11-25T00:00:00Z"));
    expect(stale).toHaveLength(1);
    expect(stale[0]!.message).toMatch(/expiresAt 2026-11-20/);
  });
});
