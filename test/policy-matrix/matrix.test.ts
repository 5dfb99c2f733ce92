/**
 * The policy matrix in `npm test`: runs `runner.ts` once (the real engine, the simulator, every scenario of
 * `scenarios.ts`) and asserts per scenario that each forbidden change was refused by the policy it names, with that
 * policy's message and no unexpected other refusal, and that each allowed change passed. Standalone, with the
 * per-scenario lines and the summary JSON: `npm run test:policy-matrix`.
 */
import { MatrixResult, runMatrix } from "./runner";
import { Scenario, SCENARIOS } from "./scenarios";

const BUDGET_MS = 45 * 60_000;
jest.setTimeout(BUDGET_MS);

let result: MatrixResult | undefined;

beforeAll(async () => {
  result = await runMatrix({ log: (line) => process.stderr.write(`[policy-matrix] ${line}\n`) });
}, BUDGET_MS);

function outcomeOf(name: string) {
  const o = result?.outcomes.find((x) => x.name === name);
  if (!o) throw new Error(`the matrix has no outcome for ${name}`);
  return o;
}

const forbidden = SCENARIOS.filter((s) => s.expect === "blocked").map((s) => [s.name, s.policy, s] as [string, string, Scenario]);
const allowed = SCENARIOS.filter((s) => s.expect === "passes").map((s) => [s.name, s.stack, s] as [string, string, Scenario]);

describe("forbidden changes are refused by their policy, with its message", () => {
  test.each(forbidden)("%s is refused by %s", (_name, policy, s) => {
    const o = outcomeOf(s.name);
    expect(o.code).not.toBe(0);
    expect(
      o.mandatory
        .filter((v) => v.policy === policy)
        .map((v) => v.message)
        .join("\n"),
    ).toContain(s.message);
    expect(o.unexpected).toEqual([]);
    expect(o.problem).toBeUndefined();
    if (s.command === "up") expect(o.steps).toEqual({}); // refused at the first resource: no step ran
  });
});

describe("allowed changes elsewhere pass with the pack", () => {
  test.each(allowed)("%s (%s) passes", (_name, _stack, s) => {
    const o = outcomeOf(s.name);
    expect(o.mandatory).toEqual([]);
    expect(o.errors).toEqual([]);
    expect(o.code).toBe(0);
    expect(o.problem).toBeUndefined();
  });
});

test("the summary counts at least 25 forbidden changes, all blocked, and 10 allowed ones, all passed, with preview times", () => {
  const s = result!.summary;
  expect(s.forbidden).toBeGreaterThanOrEqual(25);
  expect(s.allowed).toBeGreaterThanOrEqual(10);
  expect(s.blocked).toBe(s.forbidden);
  expect(s.passed).toBe(s.allowed);
  expect(s.timedPreviews).toBeGreaterThan(0);
  expect(s.msWithPack).toBeGreaterThan(0);
  expect(s.msWithoutPack).toBeGreaterThan(0);
  for (const t of result!.timings) expect(t.withoutPackExit).toBe(0);
});
