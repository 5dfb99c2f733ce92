import YAML from "yaml";
import { parseDuration } from "../duration";
import type { AlertRule } from "../rule";
import { signalSpec } from "../signals";
import { commonLabels, levelsOf, summaryOf } from "./common";

/** One Prometheus alerting rule (the rule-file format). */
export interface PrometheusAlertingRule {
  alert: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/**
 * The Prometheus alerting rules for `rule`: one per level, plus a no-data rule when `noData` is `alerting` or
 * `nodata`. Hysteresis has no native form in Prometheus, so a level with a recovery value uses the standard
 * `ALERTS` self-reference: `(value > threshold) or (value > recovery and on() <this alert is firing>)`.
 * Not expressible, hence dropped (see README): `onError` (a failed query yields no result) and `noData: keep-last`.
 */
export function prometheusRules(rule: AlertRule): PrometheusAlertingRule[] {
  const spec = signalSpec(rule.signal);
  const target = rule.target ?? "";
  const value = (w: string) => `(${spec.promql(target, w)})`;
  const cond = (limit: number) => {
    const parts = [`${value(rule.window)} ${rule.comparator} ${limit}`];
    if (rule.confirmWindow) parts.push(`${value(rule.confirmWindow)} ${rule.comparator} ${limit}`);
    return parts.join(" and ");
  };
  const samples = rule.minSamples > 1 && spec.promSamples ? ` and on() (${spec.promSamples(target, rule.window)}) >= ${rule.minSamples}` : "";
  const timing = {
    ...(parseDuration(rule.for) > 0 ? { for: rule.for } : {}),
    ...(parseDuration(rule.keepFiringFor) > 0 ? { keep_firing_for: rule.keepFiringFor } : {}),
  };
  const out: PrometheusAlertingRule[] = levelsOf(rule).map(({ level, t }) => {
    let expr = `(${cond(t.threshold)})${samples}`;
    if (t.recovery !== undefined && t.recovery !== t.threshold) {
      const firing = `count(ALERTS{alertname="${rule.name}",alertstate="firing",level="${level}"}) > 0`;
      expr = `${expr} or ((${cond(t.recovery)})${samples} and on() ${firing})`;
    }
    return {
      alert: rule.name,
      expr,
      ...timing,
      labels: commonLabels(rule, level),
      annotations: { summary: summaryOf(rule, level, t), runbook_url: rule.runbookUrl },
    };
  });
  if (rule.noData === "alerting" || rule.noData === "nodata") {
    out.push({
      alert: `${rule.name}-nodata`,
      expr: `absent(${spec.promql(target, rule.window)})`,
      for: rule.noDataAfter,
      labels: { ...commonLabels(rule, "critical"), ...(rule.noData === "nodata" ? { severity: "ticket", nodata: "true" } : { nodata: "true" }) },
      annotations: { summary: `no data for ${rule.name} for ${rule.noDataAfter}`, runbook_url: rule.runbookUrl },
    });
  }
  return out;
}

/** A Prometheus rule file (YAML) with one group per rule, evaluated at the rule's interval. */
export function toPrometheus(rules: AlertRule | AlertRule[]): string {
  const list = Array.isArray(rules) ? rules : [rules];
  return YAML.stringify({ groups: list.map((r) => ({ name: `stackguard-${r.name}`, interval: r.interval, rules: prometheusRules(r) })) }, { lineWidth: 0 });
}
