import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { PACK_DIR, PromotionConfigSchema } from "../config";
import { GateRecordSchema, productionRequiresPromotion, PromotionEvidence } from "../rules/promotion";
import { checkArgs, PolicyArgs, resourcePolicy } from "./policy";

/** Reads the promotion evidence named by STACKGUARD_PROMOTION (a gate record written by npm run gate). */
export function readPromotionEvidence(env: NodeJS.ProcessEnv = process.env): PromotionEvidence {
  const given = env.STACKGUARD_PROMOTION;
  if (!given) return {};
  // The policy process runs in policies/; a relative path means the project root, where the gate was run.
  const recordPath = path.resolve(PACK_DIR, "..", given);
  try {
    const record = GateRecordSchema.parse(JSON.parse(fs.readFileSync(recordPath, "utf8")));
    const plan = path.resolve(path.dirname(recordPath), record.planFile);
    const planSha256Now = fs.existsSync(plan) ? createHash("sha256").update(fs.readFileSync(plan)).digest("hex") : undefined;
    return { recordPath, record, planSha256Now };
  } catch (e) {
    return { recordPath, problem: (e as Error).message.split("\n")[0].slice(0, 200) };
  }
}

/** `production-requires-promotion` (mandatory): production changes only through the gate's reviewed plan. */
export function productionRequiresPromotionPolicy(args?: PolicyArgs & { now?: () => Date }): ResourceValidationPolicy {
  const now = args?.now ?? (() => new Date());
  let evidence: PromotionEvidence | undefined;
  return resourcePolicy({
    name: "production-requires-promotion",
    description: "Production is read-only by default: an update runs only from a plan the gate reviewed.",
    level: checkArgs("production-requires-promotion", args, "mandatory"),
    config: PromotionConfigSchema,
    rule: (_r, cfg, ctx) => {
      evidence ??= readPromotionEvidence();
      return productionRequiresPromotion({ ...ctx, evidence, maxPlanAgeHours: cfg.maxPlanAgeHours, now: now() });
    },
  });
}
