import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { BaselineConfigSchema, baselineFrom, FreezeConfigSchema, stackBaseline } from "../config";
import { alphaStackFrozen, alphaStackReferencePinned, alphaStackReferencesPresent } from "../rules/alphastack";
import { checkArgs, PolicyArgs, resourcePolicy, stackPolicy } from "./policy";
import { entriesByUrn, protectedSetFor, readOnlyUrlsFor } from "./settings";

/** The AlphaStack freeze, as three mandatory policies (see rules/alphastack.ts). */

const FreezeWithBaseline = FreezeConfigSchema.extend(BaselineConfigSchema.shape);

export function alphaStackFrozenPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "alphastack-frozen",
    description: "Nothing in this stack may create, update, replace or delete anything that is or acts on AlphaStack production.",
    level: checkArgs("alphastack-frozen", args, "mandatory"),
    config: FreezeWithBaseline,
    rule: (r, cfg, ctx) => {
      const baseline = baselineFrom(cfg);
      const pinned = new Set(stackBaseline(baseline, ctx.stack).resources.filter((e) => e.mode === "managed").map((e) => e.urn));
      return alphaStackFrozen(r, {
        protectedSet: protectedSetFor(baseline, ctx.stack, cfg.extraProtected),
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
