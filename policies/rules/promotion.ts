import { z } from "zod";
import { Environment, notApplicable, RuleResult, violations } from "./types";

/**
 * `production-requires-promotion`: production is read-only by default. A `pulumi up` in production runs only from
 * a plan that the gate reviewed: `npm run gate -- --stack production` previews with this pack, refuses any change
 * that touches AlphaStack, saves the plan (`--save-plan`) and writes a gate record next to it. The promote step runs
 * `pulumi up --plan <plan>` with `STACKGUARD_PROMOTION=<gate record>`; this rule checks the record: same stack, a
 * passing gate, the plan file unchanged since (sha256), and not older than the configured age. Previews are always
 * allowed (they change nothing).
 */

/** What `npm run gate` writes next to the saved plan. */
export const GateRecordSchema = z
  .object({
    stack: z.string().min(1),
    planFile: z.string().min(1),
    planSha256: z.string().regex(/^[0-9a-f]{64}$/),
    createdAt: z.string().datetime({ offset: true }),
    result: z.enum(["pass", "fail"]),
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
  /** sha256 of the plan file as it is now. */
  planSha256Now?: string;
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

const HOW = "Run npm run gate -- --stack production, review its output, then promote with the plan it saved (pulumi up --plan <plan> with STACKGUARD_PROMOTION=<gate record>).";

export function productionRequiresPromotion(s: PromotionSettings): RuleResult {
  if (s.environment !== "production") return notApplicable("only production is read-only by default");
  if (s.dryRun === true) return notApplicable("a preview changes nothing");
  const e = s.evidence;
  if (!e.recordPath) return violations([`An update of production must come through the promote path: STACKGUARD_PROMOTION is not set. ${HOW}`]);
  if (e.problem || !e.record) return violations([`An update of production must come through the promote path, but the gate record ${e.recordPath} cannot be used: ${e.problem ?? "unreadable"}. ${HOW}`]);
  const r = e.record;
  const out: string[] = [];
  if (r.stack !== s.stack) out.push(`The gate record ${e.recordPath} must be for stack ${s.stack}, not ${r.stack}. ${HOW}`);
  if (r.result !== "pass") out.push(`The gate record ${e.recordPath} must show a passing gate: the gate failed for this plan. Fix what it listed and run it again.`);
  if (e.planSha256Now !== r.planSha256) out.push(`The plan ${r.planFile} must be the one the gate reviewed: it changed (or is missing) since the gate ran. ${HOW}`);
  const age = s.now.getTime() - Date.parse(r.createdAt);
  if (age > s.maxPlanAgeHours * 3_600_000) out.push(`The gate record ${e.recordPath} must be fresher than ${s.maxPlanAgeHours} h (it is from ${r.createdAt}). ${HOW}`);
  if (age < -300_000) out.push(`The gate record ${e.recordPath} must not be dated in the future (${r.createdAt}).`);
  return violations(out);
}
