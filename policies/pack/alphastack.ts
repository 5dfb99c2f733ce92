import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as path from "node:path";
import { BaselineConfigSchema, baselineFrom, FreezeConfigSchema, PACK_DIR, stackBaseline } from "../config";
import { alphaStackFrozen, alphaStackReferencePinned, alphaStackReferencesPresent } from "../rules/alphastack";
import { alphaStackBaselineSigned } from "../rules/baseline";
import { violations } from "../rules/types";
import { loweredByConfig } from "./mandatory";
import { checkArgs, PolicyArgs, resourcePolicy, stackPolicy } from "./policy";
import { alphaStackHostsFor, entriesByUrn, protectedSetFor, readOnlyUrlsFor } from "./settings";

/** The AlphaStack freeze, as three mandatory policies (see rules/alphastack.ts). */

const FreezeWithBaseline = FreezeConfigSchema.extend(BaselineConfigSchema.shape);

export function alphaStackFrozenPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "alphastack-frozen",
    description: "Nothing in this stack may create, update, replace or delete anything that is or acts on AlphaStack production.",
    level: checkArgs("alphastack-frozen", args, "mandatory"),
    config: FreezeWithBaseline,
    rule: (r, cfg, ctx) => {
      // Reported once, on the stack resource: a config that tried to lower a mandatory policy (it runs anyway).
      if (r.type === "pulumi:pulumi:Stack" && loweredByConfig.size) {
        return violations(
          [...loweredByConfig].map(
            ([name, level]) =>
              `The policy config must not set ${name} to "${level}": it is mandatory whatever the config says, and the pack enforced it anyway. Remove that entry (and any "all" level) from the --policy-pack-config file.`,
          ),
        );
      }
      const baseline = baselineFrom(cfg);
      const pinned = new Set(
        stackBaseline(baseline, ctx.stack)
          .resources.filter((e) => e.mode === "managed")
          .map((e) => e.urn),
      );
      const protectedSet = protectedSetFor(baseline, ctx.stack, cfg.extraProtected);
      return alphaStackFrozen(r, {
        protectedSet,
        hosts: alphaStackHostsFor(protectedSet, cfg.extraProtected),
        projectRoot: path.resolve(PACK_DIR, cfg.projectRoot),
        readOnlyUrls: readOnlyUrlsFor(cfg.readOnlyUrls),
        pinnedUrns: pinned,
      });
    },
  });
}

export function alphaStackReferencesPinnedPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "alphastack-references-pinned",
    description: "Resources that represent AlphaStack carry protect, no ignoreChanges, and inputs that hash to the baseline.",
    level: checkArgs("alphastack-references-pinned", args, "mandatory"),
    config: BaselineConfigSchema,
    rule: (r, cfg, ctx) => alphaStackReferencePinned(r, entriesByUrn(baselineFrom(cfg), ctx.stack).get(r.urn)),
  });
}

export function alphaStackReferencesPresentPolicy(args?: PolicyArgs): StackValidationPolicy {
  return stackPolicy({
    name: "alphastack-references-present",
    description: "Every AlphaStack reference pinned in the baseline is still in the stack.",
    level: checkArgs("alphastack-references-present", args, "mandatory"),
    config: BaselineConfigSchema,
    rule: (resources, cfg, ctx) => alphaStackReferencesPresent(resources, stackBaseline(baselineFrom(cfg), ctx.stack).resources),
  });
}

export function alphaStackBaselineSignedPolicy(args?: PolicyArgs): StackValidationPolicy {
  return stackPolicy({
    name: "alphastack-baseline-signed",
    description: "Production has its AlphaStack baseline, and every baseline entry is the one npm run baseline wrote (digest).",
    level: checkArgs("alphastack-baseline-signed", args, "mandatory"),
    config: BaselineConfigSchema,
    rule: (_resources, cfg, ctx) => alphaStackBaselineSigned(baselineFrom(cfg), { baselineFile: cfg.baselineFile, inline: cfg.baseline !== undefined }, ctx),
  });
}
