import * as fs from "node:fs";
import * as path from "node:path";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { MetricsConfigSchema, PACK_DIR, parseOrThrow, Utilisation, UtilisationSchema } from "../config";
import {
  buildFilterPresent,
  productionAutoDeployOff,
  productionWebServiceRedundant,
  serviceRegionMatchesDatabase,
  servicePlanMatchesMetrics,
} from "../rules/render";
import { checkArgs, PolicyArgs, resourcePolicy, stackPolicy } from "./policy";

/** Render advisories (issue 9). */

const None = z.object({}).strict();

export function productionWebServiceRedundantPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "production-web-service-redundant",
    description: "Production web services run at least two instances or autoscale from two.",
    level: checkArgs("production-web-service-redundant", args, "advisory"),
    config: None,
    rule: (r, _c, ctx) => productionWebServiceRedundant(r, ctx.environment),
  });
}

export function productionAutoDeployOffPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "production-auto-deploy-off",
    description: "Production services do not auto-deploy on a push: promotion deploys.",
    level: checkArgs("production-auto-deploy-off", args, "advisory"),
    config: None,
    rule: (r, _c, ctx) => productionAutoDeployOff(r, ctx.environment),
  });
}

export function buildFilterPresentPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "build-filter-present",
    description: "Repository-backed services set a build filter.",
    level: checkArgs("build-filter-present", args, "advisory"),
    config: None,
    rule: (r) => buildFilterPresent(r),
  });
}

export function serviceRegionMatchesDatabasePolicy(args?: PolicyArgs): StackValidationPolicy {
  return stackPolicy({
    name: "service-region-matches-database",
    description: "Services run in the region of the database.",
    level: checkArgs("service-region-matches-database", args, "advisory"),
    config: None,
    rule: (resources) => serviceRegionMatchesDatabase(resources),
  });
}

/** The guardian's utilisation file, validated; undefined when it does not exist (no data yet). */
function readUtilisation(file: string): Utilisation | undefined {
  if (!fs.existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`utilisation file ${file} is not JSON (${(e as Error).message}): fix or delete it.`, { cause: e });
  }
  return parseOrThrow(UtilisationSchema, raw, `utilisation file ${file}`, "Fix or delete it; the guardian rewrites it.");
}

export function servicePlanMatchesMetricsPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "service-plan-matches-metrics",
    description: "A service's plan is not far above or below what the guardian measured.",
    level: checkArgs("service-plan-matches-metrics", args, "advisory"),
    config: MetricsConfigSchema,
    rule: (r, cfg) => servicePlanMatchesMetrics(r, readUtilisation(path.resolve(PACK_DIR, "..", cfg.metricsFile)), cfg),
  });
}
