import { parseDuration } from "../duration";
import type { AlertRule, Comparator } from "../rule";
import { signalSpec } from "../signals";
import { commonLabels, levelsOf, summaryOf } from "./common";

/** Options of {@link toGrafana}. */
export interface GrafanaExportOptions {
  /** The Prometheus data source's uid in Grafana. */
  datasourceUid?: string;
  folderUID?: string;
  ruleGroup?: string;
}

/** A Grafana-managed alert rule in the provisioning API's JSON (`POST /api/v1/provisioning/alert-rules`). */
export interface GrafanaAlertRule {
  uid: string;
  title: string;
  folderUID: string;
  ruleGroup: string;
  condition: string;
  data: Array<Record<string, unknown>>;
  noDataState: "NoData" | "Alerting" | "OK" | "KeepLast";
  execErrState: "Error" | "Alerting" | "OK" | "KeepLast";
  for: string;
  keep_firing_for: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  isPaused: boolean;
}

const NO_DATA = { ok: "OK", alerting: "Alerting", "keep-last": "KeepLast", nodata: "NoData" } as const;
const EXEC_ERR = { ok: "OK", alerting: "Alerting", "keep-last": "KeepLast" } as const;
const REDUCER = { mean: "mean", max: "max", min: "min", last: "last" } as const;
// Grafana's threshold expression has gt/lt; the inclusive comparators differ only at exact equality.
const EVAL: Record<Comparator, "gt" | "lt"> = { ">": "gt", ">=": "gt", "<": "lt", "<=": "lt" };
const UNLOAD: Record<Comparator, "lt" | "gt"> = { ">": "lt", ">=": "lt", "<": "gt", "<=": "gt" };

/**
 * Grafana unified-alerting rules for `rule`, one per level: query A (and S for the confirm window), reduce B with
 * the rule's reducer, threshold C with Grafana's recovery threshold (`unloadEvaluator`) for hysteresis. `noData` and
 * `onError` map onto `noDataState` / `execErrState`; `for` and `keep_firing_for` are native. `minSamples` has no
 * Grafana equivalent beyond the query itself (see README).
 */
export function toGrafana(rule: AlertRule, opts: GrafanaExportOptions = {}): GrafanaAlertRule[] {
  const spec = signalSpec(rule.signal);
  const ds = opts.datasourceUid ?? "prometheus";
  const target = rule.target ?? "";
  const range = (w: string) => ({ from: Math.ceil(parseDuration(w) / 1000), to: 0 });
  const query = (refId: string, w: string) => ({
    refId,
    queryType: "",
    relativeTimeRange: range(w),
    datasourceUid: ds,
    model: { refId, expr: spec.promql(target, w), instant: false, range: true, intervalMs: parseDuration(rule.interval), maxDataPoints: 43200 },
  });
  const expr = (refId: string, model: Record<string, unknown>) => ({
    refId,
    queryType: "",
    relativeTimeRange: { from: 0, to: 0 },
    datasourceUid: "__expr__",
    model: { refId, ...model },
  });
  return levelsOf(rule).map(({ level, t }) => {
    const threshold = (input: string, refId: string) =>
      expr(refId, {
        type: "threshold",
        expression: input,
        conditions: [
          {
            evaluator: { type: EVAL[rule.comparator], params: [t.threshold] },
            ...(t.recovery !== undefined && t.recovery !== t.threshold ? { unloadEvaluator: { type: UNLOAD[rule.comparator], params: [t.recovery] } } : {}),
          },
        ],
      });
    const data = [query("A", rule.window), expr("B", { type: "reduce", expression: "A", reducer: REDUCER[rule.reducer] }), threshold("B", "C")];
    let condition = "C";
    if (rule.confirmWindow) {
      data.push(query("S", rule.confirmWindow), expr("T", { type: "reduce", expression: "S", reducer: REDUCER[rule.reducer] }), threshold("T", "U"));
      data.push(expr("D", { type: "math", expression: "$C && $U" }));
      condition = "D";
    }
    return {
      uid: `${rule.name}-${level}`.slice(0, 40),
      title: `${rule.name} (${level})`,
      folderUID: opts.folderUID ?? "stackguard",
      ruleGroup: opts.ruleGroup ?? `stackguard-${rule.interval}`,
      condition,
      data,
      noDataState: NO_DATA[rule.noData],
      execErrState: EXEC_ERR[rule.onError],
      for: rule.for,
      keep_firing_for: rule.keepFiringFor,
      annotations: { summary: summaryOf(rule, level, t), runbook_url: rule.runbookUrl },
      labels: commonLabels(rule, level),
      isPaused: false,
    };
  });
}
