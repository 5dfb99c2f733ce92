import type { StackConfig } from "../config/schema";
import { parseAlertRules, type AlertRule, type AlertRuleInput } from "./rule";
import { sloBurnRateRules } from "./slo";

/** What the default rules watch in one stack (derived from the stack config by the program). */
export interface DefaultRuleTargets {
  /** Blue/green API apps behind the edge (they can be rolled back). */
  apps: string[];
  /** Apps whose pages send web-vitals beacons to the edge. */
  frontends: string[];
  /** Render services watched for CPU, memory and instance count, with the fewest instances they should run. */
  services: Array<{ name: string; minInstances: number }>;
  /** Custom domains held by the edge (certificate and verification). */
  domains: string[];
  /** Base URL of the runbooks; each rule links `<base>/<rule-name>`. */
  runbookBaseUrl: string;
}

/** The platform as `Pulumi.production.yaml` declares it (the program passes its own). */
export const PRODUCTION_TARGETS: DefaultRuleTargets = {
  apps: ["api"],
  frontends: ["frontend"],
  services: [
    { name: "api-blue", minInstances: 2 },
    { name: "api-green", minInstances: 2 },
    { name: "worker", minInstances: 2 },
    { name: "edge", minInstances: 2 },
  ],
  domains: ["api.alphaplatform.example", "alphaplatform.example"],
  runbookBaseUrl: "https://runbooks.alphaplatform.example",
};

/** Staging: the same shape, one instance each. */
export const STAGING_TARGETS: DefaultRuleTargets = {
  ...PRODUCTION_TARGETS,
  services: PRODUCTION_TARGETS.services.map((s) => ({ ...s, minInstances: 1 })),
  domains: ["api.staging.alphaplatform.example", "staging.alphaplatform.example"],
};

/**
 * The default rule set of a stack: every signal, with thresholds for a trading platform, where a failed order costs
 * money and trust at once, latency is part of correctness, and AlphaStack (the engine the platform exists for) is
 * watched closely but never touched. Staging keeps the same coverage with looser thresholds and no pages, and keeps
 * the rollback action so that the path is exercised before production needs it. Reasoning per rule is inline.
 */
export function defaultRules(
  stack: "staging" | "production",
  t: DefaultRuleTargets = stack === "production" ? PRODUCTION_TARGETS : STAGING_TARGETS,
): AlertRule[] {
  const prod = stack === "production";
  const page = prod ? "page" : "ticket";
  const rb = (name: string) => `${t.runbookBaseUrl.replace(/\/+$/, "")}/${name}`;
  const labels = { stack };
  const rules: AlertRuleInput[] = [];

  for (const app of t.apps) {
    rules.push(
      // Deploy safety. 2% 5xx for 2 minutes means real orders failing; the previous slot is warm, so rolling back is
      // one edge call and cheaper than diagnosis. Warning at 0.5% (10x a healthy baseline of ~0.05%). Hysteresis
      // (recover under 1% / 0.3%) and keep-firing stop a flapping deploy from rolling back and forth. At least
      // 100 requests in the window, so one failed request at night is not 100% errors. No traffic is not an error.
      {
        name: `${app}-error-rate`,
        signal: "api.error_rate",
        target: app,
        comparator: ">",
        critical: { threshold: prod ? 0.02 : 0.05, recovery: prod ? 0.01 : 0.03 },
        warning: { threshold: prod ? 0.005 : 0.02, recovery: prod ? 0.003 : 0.01 },
        window: "5m",
        interval: "30s",
        for: "2m",
        keepFiringFor: "5m",
        noData: "ok",
        minSamples: 100,
        severity: page,
        runbookUrl: rb(`${app}-error-rate`),
        labels,
        action: { type: "rollback", app },
      },
      // Latency is correctness for trading (a quote acted on late is a bad fill). p99 over 1 s for 5 minutes pages;
      // over 500 ms warns. Not auto-rolled back: latency also follows market load, which a rollback does not fix.
      {
        name: `${app}-latency-p99`,
        signal: "api.latency_p99",
        target: app,
        comparator: ">",
        critical: { threshold: prod ? 1000 : 2000, recovery: prod ? 800 : 1500 },
        warning: { threshold: prod ? 500 : 1000, recovery: prod ? 400 : 800 },
        window: "5m",
        interval: "30s",
        for: "5m",
        keepFiringFor: "5m",
        noData: "ok",
        minSamples: 100,
        severity: page,
        runbookUrl: rb(`${app}-latency-p99`),
        labels,
      },
      // The body of the distribution drifting up (p50, p90, p95) is the early sign of saturation, before the tail
      // pages: tickets, 10 minutes sustained, no action.
      ...(
        [
          ["api.latency_p50", "p50", prod ? 150 : 300],
          ["api.latency_p90", "p90", prod ? 300 : 600],
          ["api.latency_p95", "p95", prod ? 500 : 1000],
        ] as const
      ).map(([signal, p, ms]): AlertRuleInput => ({
        name: `${app}-latency-${p}`,
        signal,
        target: app,
        comparator: ">",
        critical: { threshold: ms, recovery: ms * 0.8 },
        window: "10m",
        interval: "1m",
        for: "10m",
        noData: "ok",
        minSamples: 100,
        severity: "ticket",
        runbookUrl: rb(`${app}-latency`),
        labels,
      })),
      // Probes of the active slot (every ~10 s, so ~30 per 5 minutes): one failed probe is 96.7% and must not alert
      // (request-level availability is the error-rate and SLO rules' job). Two failures in 5 minutes warn, three or
      // more (under 90%) page: the slot is refusing users. Missing probe data means the guardian is blind: its own
      // state, so someone looks, but never an action.
      {
        name: `${app}-availability`,
        signal: "api.availability",
        target: app,
        comparator: "<",
        critical: { threshold: prod ? 0.9 : 0.8, recovery: prod ? 0.97 : 0.9 },
        warning: { threshold: prod ? 0.95 : 0.9, recovery: prod ? 0.98 : 0.95 },
        window: "5m",
        interval: "30s",
        for: "1m",
        keepFiringFor: "2m",
        noData: "nodata",
        noDataAfter: "2m",
        minSamples: 5,
        severity: page,
        runbookUrl: rb(`${app}-availability`),
        labels,
      },
      // SLO 99.9% (production) / 99.5% (staging): the SRE workbook's multi-window burn-rate pages and tickets.
      ...sloBurnRateRules({ name: `${app}-slo`, app, objective: prod ? 0.999 : 0.995, runbookUrl: rb(`${app}-slo`), labels, pageSeverity: page }),
    );
  }

  // AlphaStack's engine, probed read-only. Down (mean up-ness under 50% over 2 minutes, probes every 15 s) pages at
  // once in production; degraded (under 90%) warns. No probe data at all is treated as down: for the engine the
  // business runs on, not knowing is not fine. Notify only: this project never acts on AlphaStack, and validation
  // rejects any action here.
  rules.push({
    name: "alphastack-engine-status",
    signal: "alphastack.engine_status",
    comparator: "<",
    critical: { threshold: 0.5, recovery: 0.9 },
    warning: { threshold: 0.9, recovery: 1 },
    window: "2m",
    interval: "15s",
    for: prod ? "30s" : "1m",
    keepFiringFor: "1m",
    noData: "alerting",
    noDataAfter: "1m",
    minSamples: 4,
    severity: page,
    runbookUrl: rb("alphastack-engine-status"),
    labels: { ...labels, owner: "alphastack" },
    action: { type: "none" },
  });

  for (const app of t.frontends) {
    // Core Web Vitals at p75 over 15 minutes, with Google's "poor" limits as critical and "needs improvement" as
    // warning. Tickets: slow pages hurt, but nobody is woken for them. No beacons (no visitors) is fine.
    const vital = (signal: "frontend.lcp" | "frontend.inp" | "frontend.cls" | "frontend.ttfb", crit: number, warn: number, recover: number) =>
      rules.push({
        name: `${app}-${signal.split(".")[1]}`,
        signal,
        target: app,
        comparator: ">",
        critical: { threshold: crit, recovery: crit * recover },
        warning: { threshold: warn, recovery: warn * recover },
        window: "15m",
        interval: "1m",
        for: "10m",
        keepFiringFor: "10m",
        noData: "ok",
        minSamples: 50,
        severity: "ticket",
        runbookUrl: rb(`${app}-web-vitals`),
        labels,
      });
    vital("frontend.lcp", 4000, 2500, 0.9);
    vital("frontend.inp", 500, 200, 0.9);
    vital("frontend.cls", 0.25, 0.1, 0.8);
    vital("frontend.ttfb", 1800, 800, 0.9);
  }

  for (const s of t.services) {
    rules.push(
      // Sustained CPU over 90% of the plan starves request handling; 75% warns before autoscaling runs out.
      {
        name: `${s.name}-cpu`,
        signal: "resource.cpu",
        target: s.name,
        comparator: ">",
        critical: { threshold: 90, recovery: 80 },
        warning: { threshold: 75, recovery: 65 },
        window: "5m",
        interval: "1m",
        for: "10m",
        noData: "nodata",
        noDataAfter: "10m",
        severity: "ticket",
        runbookUrl: rb("service-cpu"),
        labels,
      },
      // Memory near the plan's limit ends in an OOM kill and a restart mid-request: a page in production.
      {
        name: `${s.name}-memory`,
        signal: "resource.memory",
        target: s.name,
        comparator: ">",
        critical: { threshold: 90, recovery: 85 },
        warning: { threshold: 80, recovery: 75 },
        window: "5m",
        interval: "1m",
        for: "5m",
        noData: "nodata",
        noDataAfter: "10m",
        severity: page,
        runbookUrl: rb("service-memory"),
        labels,
      },
      // Fewer instances than the floor means lost redundancy (one more failure is an outage).
      {
        name: `${s.name}-instances`,
        signal: "resource.instance_count",
        target: s.name,
        comparator: "<",
        critical: { threshold: s.minInstances },
        window: "5m",
        interval: "1m",
        for: "5m",
        noData: "nodata",
        noDataAfter: "10m",
        severity: s.minInstances > 1 ? page : "ticket",
        runbookUrl: rb("service-instances"),
        labels,
      },
    );
  }

  for (const d of t.domains) {
    rules.push(
      // Render renews certificates itself; one still under 21 days means renewal is stuck. Under 7 days is urgent.
      {
        name: `cert-${d.replace(/\./g, "-")}`.slice(0, 63),
        signal: "cert.days_left",
        target: d,
        comparator: "<",
        critical: { threshold: 7, recovery: 14 },
        warning: { threshold: 21, recovery: 25 },
        window: "1h",
        interval: "5m",
        noData: "nodata",
        noDataAfter: "6h",
        severity: "ticket",
        runbookUrl: rb("certificate-expiry"),
        labels,
      },
      // An unverified domain serves no certificate; verification can take a while after creation, hence 30 minutes.
      {
        name: `domain-${d.replace(/\./g, "-")}`.slice(0, 63),
        signal: "domain.verification",
        target: d,
        comparator: "<",
        critical: { threshold: 1 },
        window: "30m",
        interval: "5m",
        for: "30m",
        noData: "nodata",
        noDataAfter: "1h",
        severity: "ticket",
        runbookUrl: rb("domain-verification"),
        labels,
      },
    );
  }
  return parseAlertRules(rules);
}

/**
 * The default rules' targets for a validated stack config: blue/green apps (both slots watched for resources),
 * static sites as frontends, workers, the edge, and the edge's domains. `serviceName` maps a logical service name to
 * the Render service name when the program prefixes them.
 */
export function targetsFromStackConfig(cfg: StackConfig, opts: { runbookBaseUrl: string; serviceName?: (n: string) => string }): DefaultRuleTargets {
  const svc = opts.serviceName ?? ((n: string) => n);
  const services: DefaultRuleTargets["services"] = [];
  const apps: string[] = [];
  const frontends: string[] = [];
  for (const [name, app] of Object.entries(cfg.apps)) {
    if (app.kind === "static") {
      frontends.push(name);
      continue;
    }
    const min = app.autoscaling?.min ?? app.instances;
    if (app.kind === "blueGreen") {
      apps.push(name);
      services.push({ name: svc(`${name}-blue`), minInstances: min }, { name: svc(`${name}-green`), minInstances: min });
    } else services.push({ name: svc(name), minInstances: min });
  }
  services.push({ name: svc("edge"), minInstances: cfg.edge.instances });
  return { apps, frontends, services, domains: cfg.edge.domains, runbookBaseUrl: opts.runbookBaseUrl };
}
