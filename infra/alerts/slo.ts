import type { AlertAction, AlertRuleInput } from "./rule";

/** An availability SLO on an app's API, measured as the share of non-5xx requests at the edge. */
export interface SloSpec {
  /** Prefix of the generated rule names. */
  name: string;
  /** The app behind the edge. */
  app: string;
  /** Target good ratio, e.g. 0.999. */
  objective: number;
  runbookUrl: string;
  /** Action of the two page-level rules (ticket rules never act). Default none. */
  pageAction?: AlertAction;
  labels?: Record<string, string>;
  /** Severity of the two fast-burn rules (default `page`; staging uses `ticket`). */
  pageSeverity?: "page" | "ticket";
  /** Minimum requests in the long window for a verdict (default 100: a handful of errors at night is not a burn). */
  minRequests?: number;
}

/**
 * The multi-window, multi-burn-rate alerts of the Google SRE workbook ("Alerting on SLOs", table 5-8): each fires
 * when the error budget burns at `factor`× over the long window AND over the short one (1/12 of it), so it fires
 * fast on a real burn and resets within minutes once fixed, without a `for`.
 *
 * | severity | long | short | burn | budget spent when it fires |
 * |---|---|---|---|---|
 * | page | 1h | 5m | 14.4× | 2% |
 * | page | 6h | 30m | 6× | 5% |
 * | ticket | 1d | 2h | 3× | 10% |
 * | ticket | 3d | 6h | 1× | 10% |
 */
export function sloBurnRateRules(slo: SloSpec): AlertRuleInput[] {
  if (!(slo.objective > 0 && slo.objective < 1)) throw new Error(`slo.objective must be between 0 and 1 (e.g. 0.999), got ${slo.objective}`);
  const budget = 1 - slo.objective;
  const windows = [
    { long: "1h", short: "5m", factor: 14.4, severity: "page", interval: "30s" },
    { long: "6h", short: "30m", factor: 6, severity: "page", interval: "1m" },
    { long: "1d", short: "2h", factor: 3, severity: "ticket", interval: "5m" },
    { long: "3d", short: "6h", factor: 1, severity: "ticket", interval: "15m" },
  ] as const;
  return windows.map((w) => ({
    name: `${slo.name}-burn-${w.long}-${w.short}`,
    signal: "api.error_rate",
    target: slo.app,
    comparator: ">",
    // Error ratio that burns the budget at `factor`×; rounded to avoid float noise in exported thresholds.
    critical: { threshold: Number((w.factor * budget).toPrecision(6)) },
    window: w.long,
    confirmWindow: w.short,
    reducer: "mean",
    interval: w.interval,
    for: "0s",
    noData: "ok", // no traffic burns no budget; availability rules cover "no answer"
    onError: "keep-last",
    minSamples: slo.minRequests ?? 100,
    severity: w.severity === "page" ? (slo.pageSeverity ?? "page") : "ticket",
    runbookUrl: slo.runbookUrl,
    summary: `${slo.app}: error budget of the ${(slo.objective * 100).toFixed(3).replace(/\.?0+$/, "")}% SLO burning at ≥${w.factor}× over ${w.long} and ${w.short}`,
    labels: { ...slo.labels, slo: slo.name, burn_window: `${w.long}/${w.short}` },
    action: w.severity === "page" ? (slo.pageAction ?? { type: "none" }) : { type: "none" },
  }));
}
