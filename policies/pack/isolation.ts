import type { ResourceValidationPolicy } from "@pulumi/policy";
import { BaselineConfigSchema, baselineFrom, FreezeConfigSchema, IsolationConfigSchema, stackBaseline } from "../config";
import { BUILTIN_ENVIRONMENT_IDS, environmentIsolation } from "../rules/isolation";
import { checkArgs, PolicyArgs, resourcePolicy } from "./policy";
import { readOnlyUrlsFor } from "./settings";

const Config = IsolationConfigSchema.extend(BaselineConfigSchema.shape).extend({ readOnlyUrls: FreezeConfigSchema.shape.readOnlyUrls });

/** `environment-isolation` (mandatory): staging and production never refer to each other. */
export function environmentIsolationPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "environment-isolation",
    description: "No staging resource refers to a production owner, environment, service, env group or database, and the reverse.",
    level: checkArgs("environment-isolation", args, "mandatory"),
    config: Config,
    rule: (r, cfg, ctx) => {
      const b = baselineFrom(cfg);
      return environmentIsolation(r, {
        environment: ctx.environment,
        readOnlyUrls: readOnlyUrlsFor(cfg.readOnlyUrls),
        ids: {
          production: [...BUILTIN_ENVIRONMENT_IDS.production, ...stackBaseline(b, "production").inventory, ...cfg.production],
          staging: [...BUILTIN_ENVIRONMENT_IDS.staging, ...stackBaseline(b, "staging").inventory, ...cfg.staging],
        },
      });
    },
  });
}
