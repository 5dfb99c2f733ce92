import type { ResourceValidationPolicy } from "@pulumi/policy";
import { z } from "zod";
import { BreakGlassConfigSchema } from "../config";
import { forceNeedsBreakGlass, slotHealthChecked, slotWithoutDisk, trafficSwitchAnalysed } from "../rules/traffic";
import { checkArgs, PolicyArgs, resourcePolicy } from "./policy";

const None = z.object({}).strict();

/** `traffic-switch-analysed` (mandatory). */
export function trafficSwitchAnalysedPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "traffic-switch-analysed",
    description: "Every traffic switch has two slots, a health check path, and pre- and post-switch analysis.",
    level: checkArgs("traffic-switch-analysed", args, "mandatory"),
    config: None,
    rule: (r) => trafficSwitchAnalysed(r),
  });
}

/** `blue-green-slot-health-check` (mandatory). */
export function slotHealthCheckPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "blue-green-slot-health-check",
    description: "Every blue/green slot service has a health check path.",
    level: checkArgs("blue-green-slot-health-check", args, "mandatory"),
    config: None,
    rule: (r) => slotHealthChecked(r),
  });
}

/** `blue-green-slot-no-persistent-disk` (mandatory: a disk disables zero-downtime deploys). */
export function slotNoDiskPolicy(args?: PolicyArgs): ResourceValidationPolicy {
  return resourcePolicy({
    name: "blue-green-slot-no-persistent-disk",
    description: "No blue/green slot has a persistent disk (it disables Render's zero-downtime deploys).",
    level: checkArgs("blue-green-slot-no-persistent-disk", args, "mandatory"),
    config: None,
    rule: (r) => slotWithoutDisk(r),
  });
}

/** `traffic-switch-force-break-glass` (mandatory). */
export function forceBreakGlassPolicy(args?: PolicyArgs & { now?: () => Date }): ResourceValidationPolicy {
  const now = args?.now ?? (() => new Date());
  return resourcePolicy({
    name: "traffic-switch-force-break-glass",
    description: "No force on a production traffic switch without a reviewed, unexpired break-glass entry.",
    level: checkArgs("traffic-switch-force-break-glass", args, "mandatory"),
    config: BreakGlassConfigSchema,
    rule: (r, cfg, ctx) =>
      forceNeedsBreakGlass(r, { environment: ctx.environment, breakGlass: cfg.breakGlass, maxValidityHours: cfg.maxValidityHours, now: now() }),
  });
}
