import type { Baseline } from "../config";
import { baselineDigestProblem } from "../lib/baseline-digest";
import { compliant, StackContext, RuleResult, violations } from "./types";

/** How the baseline reached the policy: which file (relative to policies/) or inline in the config. */
export interface BaselineSource {
  baselineFile: string;
  inline: boolean;
}

/** The committed baseline file: the only one the pack accepts for the real stacks. */
export const COMMITTED_BASELINE = "baseline.json";

/**
 * `alphastack-baseline-signed` (issue 14 b, e): production always has its baseline, and every stack's entry is
 * exactly what `npm run baseline` wrote (its digest matches). A config may not point the pack at another file, and
 * the real `staging`/`production` stacks may not use an inline baseline (test stacks do).
 */
export function alphaStackBaselineSigned(b: Baseline, source: BaselineSource, ctx: StackContext): RuleResult {
  const out: string[] = [];
  const fix = "Regenerate it with npm run baseline -- --stack <stack> and have the diff reviewed; never edit policies/baseline.json by hand.";
  if (source.baselineFile !== COMMITTED_BASELINE) {
    out.push(
      `The policy config must not set baselineFile (${JSON.stringify(source.baselineFile)}): the pack reads only the committed, reviewed policies/${COMMITTED_BASELINE}. Remove the override.`,
    );
  }
  if (source.inline && (ctx.stack === "production" || ctx.stack === "staging")) {
    out.push(
      `The policy config must not carry an inline baseline for stack ${ctx.stack}: the committed policies/${COMMITTED_BASELINE} is the baseline. Remove the "baseline" setting.`,
    );
  }
  const entry = b.stacks[ctx.stack];
  if (!entry && ctx.environment !== "production") return out.length ? violations(out) : compliant;
  const problem = baselineDigestProblem(ctx.stack, entry);
  if (problem) {
    out.push(
      ctx.environment === "production" && !entry
        ? `Production stack ${ctx.stack} must have its AlphaStack baseline: ${problem}, so nothing pins AlphaStack's references. ${fix}`
        : `The AlphaStack baseline must be the one npm run baseline wrote: ${problem}. ${fix}`,
    );
  }
  return violations(out);
}
