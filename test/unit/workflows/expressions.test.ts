import { evaluate, evaluateIf, ExprContext, interpolate } from "../../support/workflow-steps";

const ctx = (over: Partial<ExprContext["contexts"]> = {}, failed = false): ExprContext => ({
  contexts: {
    matrix: { stack: "production" },
    inputs: { stack: "" },
    vars: {},
    secrets: { RENDER_API_KEY: "k" },
    github: { event: { pull_request: { number: 7 } } },
    steps: { preview: { outputs: { code: "0" } } },
    ...over,
  },
  failed,
});

describe("the harness's GitHub expression evaluator", () => {
  it.each([
    ["matrix.stack == 'production' && 'production-preview' || matrix.stack", "production-preview"],
    ["vars.RENDER_API_URL || 'https://api.render.com/v1'", "https://api.render.com/v1"],
    ["github.event.pull_request.number", 7],
    ["steps.preview.outputs.code == 0", true],
    ["'Production' == 'production'", true],
    ["!secrets.MISSING", true],
    ['fromJSON(inputs.stack && format(\'["{0}"]\', inputs.stack) || \'["staging","production"]\')', ["staging", "production"]],
    ["contains(fromJSON('[\"a\",\"b\"]'), 'b')", true],
    ["startsWith('production-preview', 'production')", true],
    ["'it''s'", "it's"],
  ])("%s", (expr, expected) => {
    expect(evaluate(expr, ctx())).toEqual(expected);
  });

  it("renders values into text as GitHub does (null as empty)", () => {
    expect(interpolate("deploy-${{ matrix.stack }}/${{ secrets.NOPE }}/${{ matrix.stack == 'staging' }}", ctx())).toBe("deploy-production//false");
  });

  it("applies the implicit success() to if: unless a status function is used", () => {
    expect(evaluateIf(undefined, ctx({}, true))).toBe(false);
    expect(evaluateIf("always()", ctx({}, true))).toBe(true);
    expect(evaluateIf("${{ steps.preview.outputs.code == '0' }}", ctx({}, true))).toBe(false);
    expect(evaluateIf("failure()", ctx({}, true))).toBe(true);
    expect(evaluateIf("steps.preview.outputs.code == '0'", ctx())).toBe(true);
  });

  it("refuses what it does not implement instead of guessing", () => {
    expect(() => evaluate("hashFiles('**/go.sum')", ctx())).toThrow(/does not implement hashFiles\(\)/);
    expect(() => evaluate("needs.build.outputs.x", ctx())).toThrow(/unknown context 'needs'/);
    expect(() => evaluate("matrix.stack ==", ctx())).toThrow();
  });
});
