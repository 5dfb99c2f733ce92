import { z } from "zod";
import { Environment, notApplicable, RuleResult, violations } from "./types";

/**
 * `production-requires-promotion`: production is read-only by default. A `pulumi up` in production runs only from
 * a plan that the gate reviewed: `npm run gate -- --stack production` previews with this pack, refuses any change
 * that touches AlphaStack, saves the plan (`--save-plan`) and writes a gate record next to it. The promote step runs
 * `pulumi up --plan <plan>` with `STACKGUARD_PROMOTION=<gate record>`; the wrapper (tools/scripts/pulumi.js) names
 * the `--plan` file the update really runs under in `STACKGUARD_PROMOTION_PLAN`. This rule checks the record against
 * that: same stack, a passing gate, the very plan the gate saved (sha256 of the plan file the update runs under), the
 * same git commit as the gate's (the program and the pack that run are the ones the gate ran), and not older than the
 * configured age. Previews are always allowed (they change nothing).
 */

/** What `npm run gate` writes next to the saved plan. */
export const GateRecordSchema = z
  .object({
    stack: z.string().min(1),
    planFile: z.string().min(1),
    planSha256: z.string().regex(/^[0-9a-f]{64}$/),
    createdAt: z.string().datetime({ offset: true }),
    result: z.enum(["pass", "fail"]),
    /** `git rev-parse HEAD` of the project when the gate ran; null outside a git work tree. */
    commit: z
      .string()
      .regex(/^[0-9a-f]{40}$/)
      .nullable(),
    /** The steps the gate saw, by operation, for the reviewer. */
    summary: z.record(z.string(), z.number().int()).default({}),
  })
  .strict();
export type GateRecord = z.infer<typeof GateRecordSchema>;

/** What the pack found about the promotion path (read by the adapter from the environment and the files). */
export interface PromotionEvidence {
  /** The value of STACKGUARD_PROMOTION, if set. */
  recordPath?: string;
  record?: GateRecord;
  /** The plan file this update runs under (`STACKGUARD_PROMOTION_PLAN`, set by the wrapper from `--plan`). */
  planPath?: string;
  /** sha256 of that plan file as it is now (undefined when it is missing). */
  planSha256Now?: string;
  /** `git rev-parse HEAD` of the project now; null outside a git work tree. */
  commitNow?: string | null;
  /** Why the record or plan could not be read. */
  problem?: string;
}

/** Settings for {@link productionRequiresPromotion}. */
export interface PromotionSettings {
  environment: Environment;
  stack: string;
  dryRun: boolean | undefined;
  evidence: PromotionEvidence;
  maxPlanAgeHours: number;
  now: Date;
}

const HOW =
  "Run npm run gate -- --stack production, review its output, then promote with the plan it saved (pulumi up --plan <plan> with STACKGUARD_PROMOTION=<gate record>).";

export function productionRequiresPromotion(s: PromotionSettings): RuleResult {
  if (s.environment !== "production") return notApplicable("only production is read-only by default");
  if (s.dryRun === true) return notApplicable("a preview changes nothing");
  const e = s.evidence;
  if (!e.recordPath) return violations([`An update of production must come through the promote path: STACKGUARD_PROMOTION is not set. ${HOW}`]);
  if (e.problem || !e.record)
    return violations([
      `An update of production must come through the promote path, but the gate record ${e.recordPath} cannot be used: ${e.problem ?? "unreadable"}. ${HOW}`,
    ]);
  const r = e.record;
  const out: string[] = [];
  if (r.stack !== s.stack) out.push(`The gate record ${e.recordPath} must be for stack ${s.stack}, not ${r.stack}. ${HOW}`);
  if (r.result !== "pass")
    out.push(`The gate record ${e.recordPath} must show a passing gate: the gate failed for this plan. Fix what it listed and run it again.`);
  if (!e.planPath)
    out.push(
      `The plan this update runs under must be named in STACKGUARD_PROMOTION_PLAN (the wrapper sets it from --plan): run the up through npm run pulumi -- up --plan <plan> or .github/scripts/pulumi-up.sh. ${HOW}`,
    );
  else if (e.planSha256Now !== r.planSha256)
    out.push(
      `The plan this update runs under (${e.planPath}, sha256 ${e.planSha256Now ?? "missing"}) must be the one the gate reviewed (${r.planFile}, sha256 ${r.planSha256}): it is another plan, or it changed since the gate ran. ${HOW}`,
    );
  if (e.commitNow === undefined)
    out.push(`The commit this update runs on could not be read, so it cannot be matched with the gate's (${r.commit ?? "none"}). ${HOW}`);
  else if (e.commitNow !== r.commit)
    out.push(
      `This update must run on the commit the gate reviewed (${r.commit ?? "none: not a git work tree"}), but runs on ${e.commitNow ?? "none (not a git work tree)"}: the program or the pack changed since. ${HOW}`,
    );
  const age = s.now.getTime() - Date.parse(r.createdAt);
  if (age > s.maxPlanAgeHours * 3_600_000)
    out.push(`The gate record ${e.recordPath} must be fresher than ${s.maxPlanAgeHours} h (it is from ${r.createdAt}). ${HOW}`);
  if (age < -300_000) out.push(`The gate record ${e.recordPath} must not be dated in the future (${r.createdAt}).`);
  return violations(out);
}
