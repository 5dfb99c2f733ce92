import type { AlertLevel } from "../evaluate";
import type { AlertRule, Threshold } from "../rule";
import { signalSpec } from "../signals";

/** The levels a rule declares, most severe first, with their thresholds. */
export function levelsOf(rule: AlertRule): Array<{ level: AlertLevel; t: Threshold }> {
  return [{ level: "critical" as const, t: rule.critical }, ...(rule.warning ? [{ level: "warning" as const, t: rule.warning }] : [])];
}

/** Labels every exported alert carries, so the three systems route the same way. */
export function commonLabels(rule: AlertRule, level: AlertLevel): Record<string, string> {
  return {
    ...rule.labels,
    severity: level === "critical" ? rule.severity : rule.severity === "page" ? "ticket" : rule.severity,
    level,
    signal: rule.signal,
    ...(rule.target ? { target: rule.target } : {}),
    stackguard_rule: rule.name,
    ...(rule.action.type !== "none" ? { action: rule.action.type } : {}),
  };
}

/** Human summary used as annotation/message. */
export function summaryOf(rule: AlertRule, level: AlertLevel, t: Threshold): string {
  const spec = signalSpec(rule.signal);
  return rule.summary ?? `${spec.description}${rule.target ? ` for ${rule.target}` : ""} ${rule.comparator} ${t.threshold} (${level})`;
}
