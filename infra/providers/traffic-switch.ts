import * as pulumi from "@pulumi/pulumi";
import type { PromotionAnalysis } from "../config/schema";
import { lazyProvider } from "./dynamic";
import { trafficSwitchFields, type TrafficSwitchOutputs } from "./impl/traffic-switch";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";

/** Inputs of a {@link TrafficSwitch} (the fields of `trafficSwitchInputsSchema`, with per-slot Inputs). */
export interface TrafficSwitchArgs {
  /** The app's name (as the edge routes it); changing it replaces the switch. */
  app: pulumi.Input<string>;
  /** Image repository; the version deployed to a slot is `<image>:<version>`. */
  image: pulumi.Input<string>;
  /** The version that must serve all traffic: changing it is a promotion. */
  version: pulumi.Input<string>;
  /** The slots' health path, probed on each slot's own URL. */
  healthCheckPath: pulumi.Input<string>;
  /** Each slot's Render service id and own URL. */
  slots: pulumi.Input<{
    blue: { serviceId: pulumi.Input<string>; url: pulumi.Input<string> };
    green: { serviceId: pulumi.Input<string>; url: pulumi.Input<string> };
  }>;
  /** The edge's base URL. */
  edgeUrl: pulumi.Input<string>;
  /** The edge admin token; always stored as a secret. */
  adminToken: pulumi.Input<string>;
  /** Analysis settings (stack config `apps.<app>.analysis`, defaults applied). */
  analysis: pulumi.Input<PromotionAnalysis>;
  /**
   * Services the promotion must not harm, by their read-only health URL (AlphaStack's engine): a promotion does not
   * switch while one is unhealthy, and switches back when one degrades during the bake (infra/promotion/protected-guard.ts).
   */
  guards?: pulumi.Input<pulumi.Input<{ name: pulumi.Input<string>; url: pulumi.Input<string> }>[]>;
}

/**
 * Health-gated promotion of a blue/green app (`stackguard:TrafficSwitch`). On create and update it deploys the
 * version to the idle slot, probes it, switches the edge, bakes, and switches back on failure (see
 * infra/promotion/README.md). `refresh` reads the active slot from the edge, so an automatic rollback shows as drift.
 */
export class TrafficSwitch extends dynamicResourceWith<TrafficSwitchOutputs>() {
  constructor(name: string, args: TrafficSwitchArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lazyProvider("traffic-switch"),
      name,
      withOutputKeys(trafficSwitchFields.outputs, { ...args, adminToken: pulumi.secret(args.adminToken) }),
      { ...opts, additionalSecretOutputs: ["adminToken"] },
      "stackguard",
      "TrafficSwitch",
    );
  }
}
