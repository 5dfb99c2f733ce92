import type { ResourceValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { productionDatabaseWrites } from "../rules/database";
import { checkArgs, PolicyArgs, resourcePolicy } from "./policy";

/** `production-database-writes` (mandatory). */
export function productionDatabaseWritesPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "production-database-writes",
    description: "In production, nothing but the migration step (a service's preDeployCommand) writes to a database.",
    level: checkArgs("production-database-writes", args, "mandatory"),
    config: z.object({}).strict(),
    rule: (r, _cfg, ctx) => productionDatabaseWrites(r, ctx.environment),
  });
}
