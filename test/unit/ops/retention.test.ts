import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { applyRetention, directoryExportStore, planRetention } from "../../../infra/ops/retention";

const NOW = new Date("2026-11-27T01:00:00Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
/** Daily exports, the newest `first` days ago. */
const daily = (n: number, first = 0.1) => Array.from({ length: n }, (_, i) => ({ id: `exp-${String(i).padStart(2, "0")}`, createdAt: daysAgo(first + i) }));

describe("planRetention", () => {
  it("keeps the N newest and expires the rest, newest first", () => {
    const plan = planRetention(daily(10), { keepLatest: 7, maxAgeDays: 30 }, NOW);
    expect(plan.keep.map((e) => e.id)).toEqual(["exp-00", "exp-01", "exp-02", "exp-03", "exp-04", "exp-05", "exp-06"]);
    expect(plan.expire.map((e) => e.id)).toEqual(["exp-07", "exp-08", "exp-09"]);
    expect(plan.expire[0].reason).toMatch(/beyond the 7 newest/);
    expect(plan.stale).toBe(false);
  });

  it("expires exports older than maxAgeDays even among the N newest", () => {
    const plan = planRetention(daily(10), { keepLatest: 10, maxAgeDays: 3 }, NOW);
    expect(plan.keep.map((e) => e.id)).toEqual(["exp-00", "exp-01", "exp-02"]);
    expect(plan.expire.map((e) => e.id)).toContain("exp-03");
    expect(plan.expire.find((e) => e.id === "exp-03")!.reason).toMatch(/3\.1 days old, over maxAgeDays 3/);
  });

  it("never expires the newest export, and reports the archive stale when it is old", () => {
    const plan = planRetention(daily(3, 40), { keepLatest: 5, maxAgeDays: 30 }, NOW);
    expect(plan.keep.map((e) => e.id)).toEqual(["exp-00"]);
    expect(plan.expire.map((e) => e.id)).toEqual(["exp-01", "exp-02"]);
    expect(plan.stale).toBe(true);
    expect(plan.newestAgeHours).toBeCloseTo(960, 0);
  });

  it("sorts by time, not by input order; an empty archive is stale", () => {
    const shuffled = [...daily(4)].reverse();
    expect(planRetention(shuffled, { keepLatest: 2, maxAgeDays: 30 }, NOW).keep.map((e) => e.id)).toEqual(["exp-00", "exp-01"]);
    expect(planRetention([], { keepLatest: 2, maxAgeDays: 30 }, NOW)).toEqual({ keep: [], expire: [], stale: true });
  });

  it("names the field of a bad policy or export", () => {
    expect(() => planRetention(daily(2), { keepLatest: 0, maxAgeDays: 30 }, NOW)).toThrow(/retention policy keepLatest: keepLatest must be at least 1/);
    expect(() => planRetention(daily(2), { keepLatest: 2, maxAgeDays: -1 }, NOW)).toThrow(/retention policy maxAgeDays/);
    expect(() => planRetention([{ id: "x", createdAt: "last week" }], { keepLatest: 2, maxAgeDays: 30 }, NOW)).toThrow(
      /export x: createdAt 'last week' is not a time/,
    );
  });
});

describe("applyRetention on a directory archive", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackguard-retention-"));
    for (const e of daily(5)) {
      fs.writeFileSync(path.join(dir, `${e.id}.json`), JSON.stringify({ ...e, databaseId: "dpg-x" }));
      fs.writeFileSync(path.join(dir, `${e.id}.dir.tar.gz`), "data");
    }
    fs.writeFileSync(path.join(dir, "exp-000-other.dir.tar.gz"), "not an export of ours");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("removes the expired exports' files, and only theirs", async () => {
    const plan = await applyRetention(directoryExportStore(dir), { keepLatest: 3, maxAgeDays: 30 }, NOW);
    expect(plan.expire.map((e) => e.id)).toEqual(["exp-03", "exp-04"]);
    expect(fs.readdirSync(dir).sort()).toEqual([
      "exp-00.dir.tar.gz",
      "exp-00.json",
      "exp-000-other.dir.tar.gz",
      "exp-01.dir.tar.gz",
      "exp-01.json",
      "exp-02.dir.tar.gz",
      "exp-02.json",
    ]);
  });

  it("changes nothing in a dry run", async () => {
    const before = fs.readdirSync(dir).sort();
    const plan = await applyRetention(directoryExportStore(dir), { keepLatest: 1, maxAgeDays: 30 }, NOW, { dryRun: true });
    expect(plan.expire).toHaveLength(4);
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  });
});
