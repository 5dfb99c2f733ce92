import * as pulumi from "@pulumi/pulumi";
import { BlueGreenAppConfig } from "../config/schema";
import { EnvGroupLink, Service } from "../providers";

/** The two slots of a blue/green app. */
export const SLOTS = ["blue", "green"] as const;
export type Slot = (typeof SLOTS)[number];

/** Inputs of {@link BlueGreenApp}. */
export interface BlueGreenAppArgs {
  /** The app's config with the defaults of infra/config/defaults.ts applied (instances, autoDeploy, shutdown delay). */
  app: BlueGreenAppConfig;
  ownerId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** Env groups every slot links (shared config such as DATABASE_URL). */
  envGroupIds: pulumi.Input<string>[];
}

/**
 * An app deployed blue/green: two Render web services `<name>-blue` and `<name>-green` behind the edge. The slots
 * never hold a custom domain (the edge does), so switching traffic is an edge call, not a DNS change.
 */
export class BlueGreenApp extends pulumi.ComponentResource {
  /** Slot services by slot. */
  readonly slots: Record<Slot, Service>;

  constructor(name: string, args: BlueGreenAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stackguard:components:BlueGreenApp", name, {}, opts);
    const { app } = args;
    const slot = (s: Slot) => {
      const service = new Service(
        `${name}-${s}`,
        {
          name: `${name}-${s}`,
          ownerId: args.ownerId,
          type: "web_service",
          region: args.region,
          plan: app.plan,
          numInstances: app.instances,
          autoscaling: app.autoscaling,
          image: `${app.image}:${app.version}`,
          healthCheckPath: app.healthCheckPath,
          // Effective values from infra/config/defaults.ts (off in production; the edge's drain time plus slack).
          autoDeploy: app.autoDeploy,
          maxShutdownDelaySeconds: app.maxShutdownDelaySeconds,
          preDeployCommand: app.preDeployCommand,
        },
        { parent: this },
      );
      args.envGroupIds.forEach((groupId, i) => new EnvGroupLink(`${name}-${s}-env-${i}`, { envGroupId: groupId, serviceId: service.id }, { parent: this }));
      return service;
    };
    this.slots = { blue: slot("blue"), green: slot("green") };
    this.registerOutputs({});
  }
}
