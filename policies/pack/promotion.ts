import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { PACK_DIR, PromotionConfigSchema } from "../config";
import { GateRecordSchema, productionRequiresPromotion, PromotionEvidence } from "../rules/promotion";
import { checkArgs, PolicyArgs, resourcePolicy } from "./policy";

/**
 * `git rev-parse HEAD` of the project at `dir`: the commit a gate record is bound to. null when `dir` is not in a git
 * work tree (a copied checkout); undefined when git cannot be run at all.
 */
export function gitCommit(dir: string = path.resolve(PACK_DIR, "..")): string | null | undefined {
  const r = spawnSync("git", ["rev-parse", "--verify", "--quiet", "HEAD"], { cwd: dir, encoding: "utf8", timeout: 10_000 });
  if (r.error) return undefined;
  const sha = r.stdout.trim();
  if (r.status === 0 && /^[0-9a-f]{40}$/.test(sha)) return sha;
  const inside = spawnSync("git", ["rev-parse", "--is-inside-work-tree"], { cwd: dir, encoding: "utf8", timeout: 10_000 });
  return inside.status === 0 ? undefined : null; // in a work tree without a readable HEAD: unknown, not "none"
}

/** sha256 of a file, or undefined when it does not exist. */
export function fileSha256(file: string): string | undefined {
  return fs.existsSync(file) ? createHash("sha256").update(fs.readFileSync(file)).digest("hex") : undefined;
}

/**
 * Reads the promotion evidence: the gate record named by STACKGUARD_PROMOTION, the plan the update runs under
 * (STACKGUARD_PROMOTION_PLAN, set by the wrapper from `--plan`) with its sha256, and the project's commit now.
 */
export function readPromotionEvidence(env: NodeJS.ProcessEnv = process.env, commit: () => string | null | undefined = () => gitCommit()): PromotionEvidence {
  const given = env.STACKGUARD_PROMOTION;
  if (!given) return {};
  // The policy process runs in policies/; a relative path means the project root, where the gate was run.
  const root = path.resolve(PACK_DIR, "..");
  const recordPath = path.resolve(root, given);
  const planPath = env.STACKGUARD_PROMOTION_PLAN ? path.resolve(root, env.STACKGUARD_PROMOTION_PLAN) : undefined;
  try {
    const record = GateRecordSchema.parse(JSON.parse(fs.readFileSync(recordPath, "utf8")));
    return { recordPath, record, planPath, planSha256Now: planPath ? fileSha256(planPath) : undefined, commitNow: commit() };
  } catch (e) {
    // A schema error names each field (e.g. `commit: Required` for a record written before the commit binding).
    const issues = (e as { issues?: Array<{ path: Array<string | number>; message: string }> }).issues;
    const said = issues ? issues.map((i) => `${i.path.join(".") || "record"}: ${i.message}`).join("; ") : (e as Error).message.split("\n")[0];
    return { recordPath, problem: said.slice(0, 200) };
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
