import { parseRestoreTime } from "../../../infra/ops/restore-time";
import { RestoreInputError } from "../../../infra/ops/restore-errors";
import { restoredName } from "../../../infra/ops/pitr";

const window = { startsAt: new Date("2026-11-20T00:00:00Z"), endsAt: new Date("2026-11-27T01:00:00Z") };

describe("parseRestoreTime", () => {
  it("accepts RFC 3339 with Z or an offset inside the window", () => {
    expect(parseRestoreTime("2026-11-27T00:30:00Z", window).toISOString()).toBe("2026-11-27T00:30:00.000Z");
    expect(parseRestoreTime("2026-11-27T01:30:00+01:00", window).toISOString()).toBe("2026-11-27T00:30:00.000Z");
    expect(parseRestoreTime("2026-11-20T00:00:00Z", window).toISOString()).toBe("2026-11-20T00:00:00.000Z");
  });

  it.each([
    [undefined, /--to: a restore time is required/],
    ["2026-11-27", /--to: '2026-11-27' is not an RFC 3339 time with a zone/],
    ["2026-11-27T00:30:00", /not an RFC 3339 time with a zone/],
    ["2026-11-27T01:00:01Z", /--to: 2026-11-27T01:00:01.000Z is in the future \(now is 2026-11-27T01:00:00.000Z\)/],
    ["2026-11-19T23:59:59Z", /--to: 2026-11-19T23:59:59.000Z is before the oldest recoverable point 2026-11-20T00:00:00.000Z/],
  ])("refuses %s naming --to", (raw, pattern) => {
    let err: unknown;
    try {
      parseRestoreTime(raw, window);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RestoreInputError);
    expect((err as RestoreInputError).field).toBe("--to");
    expect((err as Error).message).toMatch(pattern);
  });
});

describe("restoredName", () => {
  it("is the source's name, -pitr- and the minute, within Render's and the config's limits", () => {
    expect(restoredName("platform-db-staging", new Date("2026-11-27T00:50:39Z"))).toBe("platform-db-staging-pitr-202611270050");
    const long = restoredName("a".repeat(63), new Date("2026-11-27T00:50:39Z"));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z][a-z0-9-]{1,62}$/);
  });
});
