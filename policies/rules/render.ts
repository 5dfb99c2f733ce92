import { SERVICE_PLANS } from "../../infra/config/render-enums";
import type { Utilisation } from "../config";
import { isUnknown, Props, str } from "../lib/values";
import { describeResource, Environment, notApplicable, ResourceFacts, RuleResult, StackResourceFacts, TYPES, violations } from "./types";

/**
 * Render advisories (issue 9): departures from the defaults that make deploys fast, cheap and safe. Advisory:
 * they warn, they do not block (the persistent-disk rule, which safety depends on, lives with the blue/green rules).
 */

function isWebService(p: Props): boolean {
  return p.type === "web_service";
}

/** `production-web-service-redundant`: production web services run at least two instances (or autoscale from two). */
export function productionWebServiceRedundant(r: ResourceFacts, environment: Environment): RuleResult {
  if (r.type !== TYPES.service || !isWebService(r.props)) return notApplicable("not a web service");
  if (environment !== "production") return notApplicable("staging may run one instance");
  const a = r.props.autoscaling as { enabled?: boolean; min?: number } | undefined;
  const autoscaled = a && a.enabled !== false;
  const min = autoscaled ? a.min : r.props.numInstances;
  if (isUnknown(min) || (typeof min === "number" && min >= 2)) return violations([]);
  const what = autoscaled ? `autoscaling.min is ${String(min)}` : `numInstances is ${min === undefined ? "unset (1)" : String(min)}`;
  return violations([
    `${describeResource(r)} should run at least two instances in production (${what}): one instance means a restart or a bad host is an outage. Set numInstances: 2 or autoscaling {min: 2, max, cpuPercent}.`,
  ]);
}

/** `production-auto-deploy-off`: production deploys only by promotion, never on a push. */
export function productionAutoDeployOff(r: ResourceFacts, environment: Environment): RuleResult {
  if (r.type !== TYPES.service) return notApplicable("not a Render service");
  if (environment !== "production") return notApplicable("auto-deploy is fine outside production");
  if (r.props.autoDeploy !== true) return violations([]);
  return violations([
    `${describeResource(r)} should not auto-deploy in production: a push would bypass the promotion (preview, gate, analysis). Set autoDeploy: false; pulumi up promotes.`,
  ]);
}

/** `build-filter-present`: a repo-backed service rebuilds only when its own paths change. */
export function buildFilterPresent(r: ResourceFacts): RuleResult {
  if (r.type !== TYPES.service) return notApplicable("not a Render service");
  if (!str(r.props.repo)) return notApplicable("image-backed: nothing is built from the repository");
  const bf = r.props.buildFilter as { paths?: unknown[]; ignoredPaths?: unknown[] } | undefined;
  if (isUnknown(bf) || (bf && ((bf.paths?.length ?? 0) > 0 || (bf.ignoredPaths?.length ?? 0) > 0))) return violations([]);
  return violations([
    `${describeResource(r)} should set buildFilter.paths: without it any commit in the repository rebuilds and redeploys it. List the directories it is built from (e.g. ["apps/api/**"]).`,
  ]);
}

/** `service-region-matches-database` (stack): services run in the region of the database they use. */
export function serviceRegionMatchesDatabase(resources: readonly StackResourceFacts[]): RuleResult {
  const dbRegions = new Set(resources.filter((r) => r.type === TYPES.postgres).map((r) => str(r.props.region) ?? "oregon"));
  if (!dbRegions.size) return notApplicable("no database in this stack");
  const out: string[] = [];
  for (const r of resources) {
    if (r.type !== TYPES.service || r.props.type === "static_site") continue;
    const region = str(r.props.region);
    if (region && !dbRegions.has(region)) {
      out.push(
        `${describeResource(r)} should run in the database's region (${[...dbRegions].join(", ")}), not ${region}: Render's private network does not cross regions, so every query would leave it. Set region: ${[...dbRegions][0]}.`,
      );
    }
  }
  return violations(out);
}

/** `service-plan-matches-metrics`: the plan fits what the guardian measured (p95 CPU and memory, % of the plan). */
export function servicePlanMatchesMetrics(
  r: ResourceFacts,
  data: Utilisation | undefined,
  s: { lowPercent: number; highPercent: number; minSamples: number },
): RuleResult {
  if (r.type !== TYPES.service || r.props.type === "static_site") return notApplicable("not a service with a plan");
  if (!data) return notApplicable("no utilisation data from the guardian");
  const name = str(r.props.name) ?? r.name;
  const m = data.services[name];
  if (!m) return notApplicable(`no utilisation data for ${name}`);
  if (m.samples < s.minSamples) return notApplicable(`only ${m.samples} samples for ${name} (fewer than ${s.minSamples})`);
  const plan = str(r.props.plan) ?? "starter";
  const i = SERVICE_PLANS.indexOf(plan as (typeof SERVICE_PLANS)[number]);
  const measured = `p95 CPU ${m.cpuP95Percent}%, memory ${m.memoryP95Percent}% over ${m.samples} samples (${data.generatedAt})`;
  if (m.cpuP95Percent > s.highPercent || m.memoryP95Percent > s.highPercent) {
    const up = i >= 0 && i + 1 < SERVICE_PLANS.length ? SERVICE_PLANS[i + 1] : undefined;
    return violations([`${describeResource(r)} should have a larger plan than ${plan}: ${measured}, above ${s.highPercent}%.${up ? ` Consider ${up}.` : ""}`]);
  }
  if (m.cpuP95Percent < s.lowPercent && m.memoryP95Percent < s.lowPercent && i > 0) {
    return violations([
      `${describeResource(r)} should have a smaller plan than ${plan}: ${measured}, both below ${s.lowPercent}%. Consider ${SERVICE_PLANS[i - 1]}.`,
    ]);
  }
  return violations([]);
}
