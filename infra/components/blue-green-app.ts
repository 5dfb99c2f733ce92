import * as pulumi from "@pulumi/pulumi";
import { BlueGreenAppConfig } from "../config/schema";
import { EnvGroupLink, Service, TrafficSwitch } from "../providers";
import type { TrafficSwitchArgs } from "../providers/traffic-switch";
import type { EdgeConnection } from "./edge-router";

// The two slots of a blue/green app: the edge's wire contract names them (one definition for the program and the edge).
import { type Slot } from "../edge-contract/slots";
export { type Slot };

/** Inputs of {@link BlueGreenApp}. */
export interface BlueGreenAppArgs {
  /** The app's config with the defaults of infra/config/defaults.ts applied (instances, autoDeploy, shutdown delay). */
  app: BlueGreenAppConfig;
  ownerId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  /** Env groups every slot links (shared config such as DATABASE_URL). */
  envGroupIds: pulumi.Input<string>[];
  /** The edge the app is served behind: its switch promotes through it. */
  edge: EdgeConnection;
  /** Services the promotion must not harm (AlphaStack's engine, by its health URL). */
  guards?: TrafficSwitchArgs["guards"];
}

/**
 * An app deployed blue/green: two Render web services `<name>-blue` and `<name>-green` behind the edge. The slots
 * never hold a custom domain (the edge does), so switching traffic is an edge call, not a DNS change.
 */
export class BlueGreenApp extends pulumi.ComponentResource {
  /** Slot services by slot. */
  readonly slots: Record<Slot, Service>;
  /**
   * The promotion resource: promotes `app.version` (health-gated) whenever it changes. It waits for the edge to route
   * the app (`edge.routed`), so it never talks to an edge that does not know the app, and for the slots' env group
   * links (and so for the groups' changes): the deploys that apply env changes are triggered before a promotion
   * starts, whose own deploy then supersedes them, never the reverse.
   */
  readonly trafficSwitch: TrafficSwitch;

  constructor(name: string, args: BlueGreenAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stackguard:components:BlueGreenApp", name, {}, opts);
    const { app } = args;
    const links: EnvGroupLink[] = [];
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
        // The image is the version at creation only: afterwards the TrafficSwitch deploys versions to the slots
        // (one slot at a time, health-gated), and the Service owns everything else. Without this, a version bump
        // would redeploy both slots at once, the live one included.
        { parent: this, ignoreChanges: ["image"] },
      );
      args.envGroupIds.forEach((groupId, i) =>
        links.push(new EnvGroupLink(`${name}-${s}-env-${i}`, { envGroupId: groupId, serviceId: service.id }, { parent: this })),
      );
      return service;
    };
    this.slots = { blue: slot("blue"), green: slot("green") };
    const slotRef = (s: Slot) => ({ serviceId: this.slots[s].id, url: this.slots[s].url.apply((u) => u ?? "") });
    const waitFor: Promise<pulumi.Resource[]> = args.edge.routed.then((routed) => [...routed, this.slots.blue, this.slots.green, ...links]);
    this.trafficSwitch = new TrafficSwitch(
      `${name}-switch`,
      {
        app: name,
        image: app.image,
        version: app.version,
        healthCheckPath: app.healthCheckPath,
        slots: { blue: slotRef("blue"), green: slotRef("green") },
        edgeUrl: args.edge.url,
        adminToken: args.edge.adminToken,
        analysis: app.analysis,
        guards: args.guards ?? [],
      },
      { parent: this, dependsOn: waitFor as pulumi.Input<pulumi.Input<pulumi.Resource>[]> },
    );
    this.registerOutputs({});
  }
}
