import type { Evaluation } from "./evaluate";
import { isAlphaStack } from "./protected";
import type { AlertAction, AlertRule } from "./rule";
import { publiclyFed, signalSpec } from "./signals";

/**
 * The action the guardian should perform after an evaluation, if any: the rule's action, once, when the alert starts
 * firing at critical level or escalates to critical. Warning levels, pending and no-data never act. A second guard
 * besides validation: nothing about or naming AlphaStack is ever returned, and no action on a publicly fed signal
 * (web vitals), whatever the rule says.
 */
export function actionToTake(
  rule: AlertRule,
  evaluation: Evaluation,
  extraProtected: readonly string[] = [],
): Exclude<AlertAction, { type: "none" }> | undefined {
  const a = rule.action;
  if (a.type === "none") return undefined;
  const becameCritical = evaluation.events.some((e) => (e.type === "firing" || e.type === "level-changed") && e.level === "critical");
  if (!becameCritical) return undefined;
  if (signalSpec(rule.signal).target === "alphastack" || isAlphaStack(rule.target, extraProtected)) return undefined;
  // Validation refuses actions on publicly fed signals; a rule stored before that rule existed still never acts.
  if (publiclyFed(rule.signal)) return undefined;
  if (isAlphaStack(a.type === "rollback" ? a.app : a.flag, extraProtected)) return undefined;
  return a;
}
