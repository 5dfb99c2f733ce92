import * as pulumi from "@pulumi/pulumi";
import { BlueGreenAppConfig } from "../config/schema";
import { EnvGroupLink, Service, TrafficSwitch } from "../providers";
import type { TrafficSwitchArgs } from "../providers/traffic-switch";

// The two slots of a blue/green app: the edge's wire contract names them (one definition for the program and the edge).
import { SLOTS, type Slot } from "../edge-contract/slots";
export { SLOTS, type Slot };

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
  /** The promotion resource, once {@link BlueGreenApp.connectEdge} was called. */
  trafficSwitch?: TrafficSwitch;
  private readonly name: string;
  private readonly args: BlueGreenAppArgs;
  /** The slots' env group links: each deploys its slot once linked (and the group deploys them when it changes). */
  private readonly links: EnvGroupLink[] = [];

  constructor(name: string, args: BlueGreenAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stackguard:components:BlueGreenApp", name, {}, opts);
    this.name = name;
    this.args = args;
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
        // The image is the version at creation only: afterwards the TrafficSwitch deploys versions to the slots
        // (one slot at a time, health-gated), and the Service owns everything else. Without this, a version bump
        // would redeploy both slots at once, the live one included.
        { parent: this, ignoreChanges: ["image"] },
      );
      args.envGroupIds.forEach((groupId, i) => this.links.push(new EnvGroupLink(`${name}-${s}-env-${i}`, { envGroupId: groupId, serviceId: service.id }, { parent: this })));
      return service;
    };
    this.slots = { blue: slot("blue"), green: slot("green") };
    this.registerOutputs({});
  }

  /**
   * Puts the app behind the edge: creates the TrafficSwitch that promotes `app.version` (health-gated) whenever it
   * changes. Called once the edge exists, since the edge's config needs the slots' URLs first. `dependsOn` must hold
   * what makes the edge route this app (its env), so the switch never talks to an edge that does not know the app.
   * `guards` are the services the promotion must not harm (AlphaStack's engine, by its health URL).
   * The switch also waits for the slots' env group links (and so for the groups' changes): the deploys that apply
   * env changes are triggered before a promotion starts, whose own deploy then supersedes them, never the reverse.
   */
  connectEdge(edge: { url: pulumi.Input<string>; adminToken: pulumi.Input<string>; dependsOn: pulumi.Resource[] }, guards: TrafficSwitchArgs["guards"] = []): TrafficSwitch {
    const { app } = this.args;
    const slotRef = (s: Slot) => ({ serviceId: this.slots[s].id, url: this.slots[s].url.apply((u) => u ?? "") });
    this.trafficSwitch = new TrafficSwitch(
      `${this.name}-switch`,
      {
        app: this.name,
        image: app.image,
        version: app.version,
        healthCheckPath: app.healthCheckPath,
        slots: { blue: slotRef("blue"), green: slotRef("green") },
        edgeUrl: edge.url,
        adminToken: edge.adminToken,
        analysis: app.analysis,
        guards,
      },
      { parent: this, dependsOn: [...edge.dependsOn, this.slots.blue, this.slots.green, ...this.links] },
    );
    return this.trafficSwitch;
  }
}
