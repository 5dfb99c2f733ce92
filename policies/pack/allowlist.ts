import * as path from "node:path";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { AllowlistConfigSchema, PACK_DIR, readAllowlistFile } from "../config";
import { productionResourceAllowlist } from "../rules/allowlist";
import { checkArgs, PolicyArgs, resourcePolicy } from "./policy";

/** `production-resource-allowlist` (mandatory): see rules/allowlist.ts. */
export function productionResourceAllowlistPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "production-resource-allowlist",
    description: "In production only known resource types, allowlisted commands (by digest of what they run) and reviewed provider code.",
    level: checkArgs("production-resource-allowlist", args, "mandatory"),
    config: AllowlistConfigSchema,
    rule: (r, cfg, ctx) => {
      const file = readAllowlistFile();
      return productionResourceAllowlist(
        r,
        { resourceTypes: [...file.resourceTypes, ...cfg.extraTypes], commands: [...file.commands, ...cfg.commands], providerDigests: file.providerDigests },
        ctx,
        path.resolve(PACK_DIR, cfg.projectRoot),
      );
    },
  });
}
