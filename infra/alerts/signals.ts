/**
 * The signals an alert rule can watch: where each comes from, its unit, its defaults, and how it is written in
 * PromQL and in a Datadog metric query. Metric names are the ones the edge and the guardian export
 * (`stackguard_*`), documented in `infra/alerts/README.md`.
 */

/** How a window of samples becomes one value. */
export type Reducer = "mean" | "max" | "min" | "last";

/** What a rule's `target` names for this signal. */
export type TargetKind = "app" | "service" | "domain" | "alphastack";

/** One signal's catalogue entry. */
export interface SignalSpec {
  description: string;
  unit: "ratio" | "ms" | "score" | "percent" | "count" | "days" | "up";
  /** What `target` means; `alphastack` signals take no target. */
  target: TargetKind;
  /** Who measures it (for the guardian's source adapters). */
  source: "edge" | "probe" | "web-vitals" | "render-metrics" | "render-api";
  defaultWindow: string;
  defaultReducer: Reducer;
  /** PromQL for the signal's value over `window`, for `target`. */
  promql(target: string, window: string): string;
  /** PromQL counting the samples behind the value (for `minSamples`), when meaningful. */
  promSamples?(target: string, window: string): string;
  /** A Datadog metric query without time aggregation, e.g. `avg:stackguard.render.cpu_percent{service:api}`. */
  datadog(target: string): string;
}

const sel = (label: string, v: string) => (v ? `{${label}="${v.replace(/["\\]/g, "\\$&")}"}` : "");
const dd = (label: string, v: string) => (v ? `{${label}:${v}}` : "{*}");
const quantile =
  (q: number, metric: string, label: string, scale = 1) =>
  (target: string, window: string) =>
    `${scale !== 1 ? `${scale} * ` : ""}histogram_quantile(${q}, sum by (le) (rate(${metric}_bucket${sel(label, target)}[${window}])))`;
const requestCount = (target: string, window: string) => `sum(increase(stackguard_http_requests_total${sel("app", target)}[${window}]))`;

const latency = (q: number, pct: string): SignalSpec => ({
  description: `API latency p${pct} at the edge, in ms`,
  unit: "ms",
  target: "app",
  source: "edge",
  defaultWindow: "5m",
  defaultReducer: "mean",
  promql: quantile(q, "stackguard_http_request_duration_seconds", "app", 1000),
  promSamples: requestCount,
  datadog: (t) => `p${pct}:stackguard.http.request.duration${dd("app", t)}`,
});

const webVital = (name: string, unit: "ms" | "score", description: string): SignalSpec => ({
  description,
  unit,
  target: "app",
  source: "web-vitals",
  defaultWindow: "15m",
  defaultReducer: "last",
  // Core Web Vitals are judged at the 75th percentile of page loads.
  promql: quantile(0.75, `stackguard_web_vitals_${name}`, "app"),
  promSamples: (t, w) => `sum(increase(stackguard_web_vitals_${name}_count${sel("app", t)}[${w}]))`,
  datadog: (t) => `p75:stackguard.web_vitals.${name}${dd("app", t)}`,
});

/** The catalogue. Adding a signal here makes it valid in rules and exportable everywhere. */
export const SIGNALS = {
  "api.error_rate": {
    description: "share of API requests answered 5xx at the edge (0..1)",
    unit: "ratio",
    target: "app",
    source: "edge",
    defaultWindow: "5m",
    defaultReducer: "mean",
    promql: (t, w) =>
      `sum(rate(stackguard_http_requests_total{${t ? `app="${t}",` : ""}code=~"5.."}[${w}])) / sum(rate(stackguard_http_requests_total${sel("app", t)}[${w}]))`,
    promSamples: requestCount,
    datadog: (t) => `sum:stackguard.http.errors${dd("app", t)}.as_count() / sum:stackguard.http.requests${dd("app", t)}.as_count()`,
  },
  "api.latency_p50": latency(0.5, "50"),
  "api.latency_p90": latency(0.9, "90"),
  "api.latency_p95": latency(0.95, "95"),
  "api.latency_p99": latency(0.99, "99"),
  "api.availability": {
    description: "share of health probes of the app's active slot that succeeded (0..1)",
    unit: "ratio",
    target: "app",
    source: "probe",
    defaultWindow: "5m",
    defaultReducer: "mean",
    promql: (t, w) => `avg_over_time(stackguard_probe_success${sel("app", t)}[${w}])`,
    promSamples: (t, w) => `count_over_time(stackguard_probe_success${sel("app", t)}[${w}])`,
    datadog: (t) => `avg:stackguard.probe.success${dd("app", t)}`,
  },
  "alphastack.engine_status": {
    description: "AlphaStack discovery engine health (1 up, 0 down), from read-only probes of its status endpoint",
    unit: "up",
    target: "alphastack",
    source: "probe",
    defaultWindow: "2m",
    defaultReducer: "mean",
    promql: (_t, w) => `avg_over_time(stackguard_alphastack_up[${w}])`,
    promSamples: (_t, w) => `count_over_time(stackguard_alphastack_up[${w}])`,
    datadog: () => `avg:stackguard.alphastack.up{*}`,
  },
  "frontend.lcp": webVital("lcp", "ms", "Largest Contentful Paint p75 from web-vitals beacons, in ms"),
  "frontend.inp": webVital("inp", "ms", "Interaction to Next Paint p75 from web-vitals beacons, in ms"),
  "frontend.cls": webVital("cls", "score", "Cumulative Layout Shift p75 from web-vitals beacons (unitless)"),
  "frontend.ttfb": webVital("ttfb", "ms", "Time To First Byte p75 from web-vitals beacons, in ms"),
  "resource.cpu": {
    description: "CPU use of a Render service, percent of its plan's limit (Render metrics API)",
    unit: "percent",
    target: "service",
    source: "render-metrics",
    defaultWindow: "5m",
    defaultReducer: "mean",
    promql: (t, w) => `avg(avg_over_time(stackguard_render_cpu_percent${sel("service", t)}[${w}]))`,
    promSamples: (t, w) => `sum(count_over_time(stackguard_render_cpu_percent${sel("service", t)}[${w}]))`,
    datadog: (t) => `avg:stackguard.render.cpu_percent${dd("service", t)}`,
  },
  "resource.memory": {
    description: "memory use of a Render service, percent of its plan's limit (Render metrics API)",
    unit: "percent",
    target: "service",
    source: "render-metrics",
    defaultWindow: "5m",
    defaultReducer: "max",
    promql: (t, w) => `max(max_over_time(stackguard_render_memory_percent${sel("service", t)}[${w}]))`,
    promSamples: (t, w) => `sum(count_over_time(stackguard_render_memory_percent${sel("service", t)}[${w}]))`,
    datadog: (t) => `max:stackguard.render.memory_percent${dd("service", t)}`,
  },
  "resource.instance_count": {
    description: "running instances of a Render service (Render metrics API)",
    unit: "count",
    target: "service",
    source: "render-metrics",
    defaultWindow: "5m",
    defaultReducer: "min",
    promql: (t, w) => `min(min_over_time(stackguard_render_instance_count${sel("service", t)}[${w}]))`,
    datadog: (t) => `min:stackguard.render.instance_count${dd("service", t)}`,
  },
  "cert.days_left": {
    description: "days until the TLS certificate of a custom domain expires",
    unit: "days",
    target: "domain",
    source: "probe",
    defaultWindow: "1h",
    defaultReducer: "min",
    promql: (t, w) => `min(min_over_time(stackguard_certificate_expiry_days${sel("domain", t)}[${w}]))`,
    datadog: (t) => `min:stackguard.certificate.expiry_days${dd("domain", t)}`,
  },
  "domain.verification": {
    description: "whether a custom domain is verified on Render (1 verified, 0 not) (Render API)",
    unit: "up",
    target: "domain",
    source: "render-api",
    defaultWindow: "30m",
    defaultReducer: "min",
    promql: (t, w) => `min(min_over_time(stackguard_domain_verified${sel("domain", t)}[${w}]))`,
    datadog: (t) => `min:stackguard.domain.verified${dd("domain", t)}`,
  },
} satisfies Record<string, SignalSpec>;

/** A signal name. */
export type SignalName = keyof typeof SIGNALS;
/** Every signal name, for the rule schema's enum. */
export const SIGNAL_NAMES = Object.keys(SIGNALS) as [SignalName, ...SignalName[]];

/**
 * Signals fed by the public internet: web-vitals beacons arrive on the edge's public `POST /__vitals`, which any
 * browser (or script) can call, so their values can be forged. Rules on them may notify, never act.
 */
export function publiclyFed(name: SignalName): boolean {
  return SIGNALS[name].source === "web-vitals";
}

/** The catalogue entry of a signal, typed as the common interface. */
export function signalSpec(name: SignalName): SignalSpec {
  return SIGNALS[name];
}
