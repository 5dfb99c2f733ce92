/**
 * Issue 4's fault-injection requirement on the real engine, in CI size: a reference `up` of the staging program, then
 * two `up`s with 20% of Render API requests answered 5xx or 429, each of which must succeed the first time and leave
 * the same workspace as the reference, with no duplicate and no orphan (see test/integration/faults/run.ts;
 * `npm run test:faults -- --runs 10` is the full version).
 */
import { runFaultTrials } from "./faults/run";

jest.setTimeout(1_800_000);

describe("20% of Render API requests failing (5xx/429) during a full up of the staging stack", () => {
  it("converges to the reference state on the first up, with no duplicate and no orphan, 2 runs of 2", async () => {
    const lines: string[] = [];
    const { summary, results } = await runFaultTrials({ runs: 2, seed: 100, log: (l) => lines.push(l) });
    const report = lines.join("\n");
    for (const r of results) {
      expect({ run: r.run, upCode: r.upCode, error: r.error }).toEqual({ run: r.run, upCode: 0, error: undefined });
      expect({ run: r.run, diff: r.diff }).toEqual({ run: r.run, diff: [] });
      expect({ run: r.run, duplicates: r.duplicates, orphans: r.orphans, leftovers: r.leftovers }).toEqual({
        run: r.run,
        duplicates: [],
        orphans: [],
        leftovers: [],
      });
    }
    expect(summary).toMatchObject({ runs: 2, converged: 2, duplicates: 0, orphans: 0 });
    // Faults were really injected, and the providers really retried.
    expect(summary.injected).toBeGreaterThan(0);
    expect(results.reduce((n, r) => n + r.retries, 0)).toBeGreaterThan(0);
    expect(report).toMatch(/run 2\/2/);
  });
});
