import { formatDuration, parseDuration } from "../duration";
import type { AlertRule } from "../rule";
import { signalSpec } from "../signals";
import { commonLabels, summaryOf } from "./common";

/** A Datadog metric monitor (`POST /api/v1/monitor`). */
export interface DatadogMonitor {
  name: string;
  type: "metric alert" | "query alert";
  query: string;
  message: string;
  tags: string[];
  priority: number;
  options: {
    thresholds: { critical: number; critical_recovery?: number; warning?: number; warning_recovery?: number };
    notify_no_data: boolean;
    no_data_timeframe?: number;
    require_full_window: boolean;
    evaluation_delay?: number;
    renotify_interval?: number;
    include_tags: boolean;
    on_missing_data?: "default" | "show_no_data" | "show_and_notify_no_data" | "resolve";
  };
}

const DD_AGG = { mean: "avg", max: "max", min: "min", last: "last" } as const;

/** Datadog's time windows are `last_<n>m|h|d`. */
function ddWindow(ms: number): string {
  const m = Math.max(1, Math.round(ms / 60_000));
  return m % 1440 === 0 ? `last_${m / 1440}d` : m % 60 === 0 ? `last_${m / 60}h` : `last_${m}m`;
}

/**
 * One Datadog monitor for `rule`; Datadog carries critical and warning levels and both recovery thresholds
 * natively. Datadog has no pending period, so a non-zero `for` is expressed the Datadog way, as "the condition held
 * over the whole `for` window" (`min(last_<for>)` for `>`, `max(…)` for `<`). `minSamples > 1` becomes
 * `require_full_window`. Not expressible (see README): `keepFiringFor`, `onError`, the confirm window.
 */
export function toDatadog(rule: AlertRule): DatadogMonitor {
  const spec = signalSpec(rule.signal);
  const forMs = parseDuration(rule.for);
  const up = rule.comparator === ">" || rule.comparator === ">=";
  const agg = forMs > 0 ? (up ? "min" : "max") : DD_AGG[rule.reducer];
  const window = ddWindow(Math.max(forMs, parseDuration(rule.window)));
  const query = `${agg}(${window}):${spec.datadog(rule.target ?? "")} ${rule.comparator} ${rule.critical.threshold}`;
  const tags = Object.entries(commonLabels(rule, "critical"))
    .filter(([k]) => k !== "level")
    .map(([k, v]) => `${k}:${v}`);
  const noDataMinutes = Math.max(2, Math.round(parseDuration(rule.noDataAfter) / 60_000));
  return {
    name: `[stackguard] ${rule.name}`,
    type: "query alert",
    query,
    message: [
      `{{#is_alert}}${summaryOf(rule, "critical", rule.critical)}{{/is_alert}}`,
      ...(rule.warning ? [`{{#is_warning}}${summaryOf(rule, "warning", rule.warning)}{{/is_warning}}`] : []),
      ...(rule.noData === "nodata" || rule.noData === "alerting"
        ? [`{{#is_no_data}}no data for ${rule.name} for ${formatDuration(noDataMinutes * 60_000)}{{/is_no_data}}`]
        : []),
      `Runbook: ${rule.runbookUrl}`,
    ].join("\n"),
    tags,
    priority: rule.severity === "page" ? 1 : rule.severity === "ticket" ? 3 : 5,
    options: {
      thresholds: {
        critical: rule.critical.threshold,
        ...(rule.critical.recovery !== undefined ? { critical_recovery: rule.critical.recovery } : {}),
        ...(rule.warning ? { warning: rule.warning.threshold } : {}),
        ...(rule.warning?.recovery !== undefined ? { warning_recovery: rule.warning.recovery } : {}),
      },
      notify_no_data: rule.noData === "nodata" || rule.noData === "alerting",
      ...(rule.noData === "nodata" || rule.noData === "alerting" ? { no_data_timeframe: noDataMinutes } : {}),
      require_full_window: rule.minSamples > 1,
      include_tags: true,
    },
  };
}
