import { loadCassettes } from "./cassettes";
import { MAX_TIMED_LAG_SECONDS, replayCassette, type ReplayResult } from "./replay";

/**
 * Contract test: every interaction of every recorded cassette of Render's API is replayed against the simulator
 * (recorded ids mapped to the simulator's) and must match in status code, response shape, the values of semantic
 * fields (states, derived flags, echoed settings: `SEMANTIC_KEYS`), rate-limit bucket and headers; every simulator
 * answer must also validate against Render's OpenAPI document.
 */
const cassettes = loadCassettes();
const results: ReplayResult[] = [];

describe("Render cassettes replayed against the simulator", () => {
  it("finds the recordings", () => {
    expect(cassettes.length).toBeGreaterThanOrEqual(9);
  });

  afterAll(() => {
    const lines = results.map(
      (r) =>
        `  ${r.cassette}: ${r.matched}/${r.total} interactions match (replay lag ≤ ${r.maxLagRecordedSeconds} recorded s` +
        (r.untimed ? `; life-cycle states of ${r.untimed} interaction(s) not compared: the replay lagged > ${MAX_TIMED_LAG_SECONDS} s)` : ")"),
    );
    const total = results.reduce((a, r) => a + r.total, 0);
    const matched = results.reduce((a, r) => a + r.matched, 0);
    console.log(`cassette contract: ${matched}/${total} interactions match\n${lines.join("\n")}`);
  });

  for (const cassette of cassettes) {
    it(`${cassette.name}: every interaction matches Render's status, shape and headers, and the spec`, async () => {
      const result = await replayCassette(cassette);
      results.push(result);
      const mismatches = result.verdicts.filter((v) => v.problems.length).map((v) => `#${v.index} ${v.request}: ${v.problems.join("; ")}`);
      const specProblems = result.verdicts.filter((v) => v.specProblems.length).map((v) => `#${v.index} ${v.request}: ${v.specProblems.join("; ")}`);
      expect(mismatches).toEqual([]);
      expect(specProblems).toEqual([]);
      expect(result.matched).toBe(cassette.interactions.length);
    });
  }
});
