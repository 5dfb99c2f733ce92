import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { EDGE_STATE_KV_SUFFIX } from "../config/edge-state";
import type { StackConfig } from "../config/schema";
import { CustomDomain, EnvVars, KeyValue, Service } from "../providers";
import { movedFromStackRoot } from "./moved";

/** The edge router's image: the simulator runs `stackguard/<app>` images as the project's own `apps/<app>`. */
export const EDGE_IMAGE = "stackguard/edge:0.1.0";

/** What an app behind the edge needs of it: where to call its admin API, and when the edge routes the app. */
export interface EdgeConnection {
  url: pulumi.Output<string>;
  /** Secret. */
  adminToken: pulumi.Output<string>;
  /**
   * Resolves to what makes the edge route every app (its env) once {@link EdgeRouter.route} ran: a promotion never
   * talks to an edge that does not know its app yet.
   */
  routed: Promise<pulumi.Resource[]>;
}

/** Inputs of {@link EdgeRouter}. */
export interface EdgeRouterArgs {
  environment: StackConfig["environment"];
  ownerId: string;
  region: string;
  /** The stack's `edge` block, defaults applied. */
  edge: StackConfig["edge"];
}

/** One routed app's slots as the edge reaches them (`EDGE_APPS`). */
export interface EdgeUpstreams {
  blue: string;
  green: string;
  healthPath: string;
}

/** What {@link EdgeRouter.route} writes into the edge's env. */
export interface EdgeRouting {
  /** App → its slots' base URLs (private network on Render, loopback on the simulator). */
  apps: pulumi.Input<Record<string, EdgeUpstreams>>;
  /** The validated routing table (infra/config/routing.ts). */
  routes: unknown[];
  /** Static sites the edge does not route but accepts web-vitals beacons for. */
  vitalsOnly: string[];
}

/**
 * The edge (`stackguard:components:Edge`): the Render web service holding every custom domain and proxying to each
 * app's active slot, its admin token, and the Key Value instance holding its shared state (active slots, flags, kill
 * switches, alert rules). The edge holds no Render API key: a Render key cannot be scoped and could change the whole
 * workspace, AlphaStack included (apps/edge/README.md, "Shared state").
 *
 * Built in two steps because the edge's env needs the slots' URLs and the slots' switches need the edge:
 * construct it, give {@link connection} to each `BlueGreenApp`, then call {@link route} once with every app.
 */
export class EdgeRouter extends pulumi.ComponentResource {
  readonly service: Service;
  readonly connection: EdgeConnection;
  /** The edge's env (`EDGE_APPS`, routes, token, Key Value URL), once {@link route} ran. */
  env?: EnvVars;
  private readonly adminToken: random.RandomPassword;
  private readonly state: KeyValue;
  private resolveRouted!: (r: pulumi.Resource[]) => void;

  constructor(
    name: string,
    private readonly args: EdgeRouterArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("stackguard:components:Edge", name, {}, opts);
    const { environment: env, ownerId, region, edge } = args;
    const child = movedFromStackRoot(this);
    this.adminToken = new random.RandomPassword("edge-admin-token", { length: 48, special: false }, child);
    // `noeviction`: a full instance refuses writes rather than silently dropping a kill switch; no external access;
    // the pack's edge-state-key-value rule checks all three (and refuses the free plan in production).
    this.state = new KeyValue(
      "edge-state",
      {
        name: `platform-${env}${EDGE_STATE_KV_SUFFIX}`,
        ownerId,
        region,
        plan: edge.statePlan,
        maxmemoryPolicy: "noeviction",
        ipAllowList: [],
      },
      child,
    );
    this.service = new Service(
      "edge",
      {
        name: `edge-${env}`,
        ownerId,
        region,
        type: "web_service",
        plan: edge.plan,
        numInstances: edge.instances,
        autoscaling: edge.autoscaling,
        image: EDGE_IMAGE,
        healthCheckPath: edge.healthCheckPath,
        autoDeploy: edge.autoDeploy,
        maxShutdownDelaySeconds: edge.maxShutdownDelaySeconds,
      },
      child,
    );
    for (const domain of edge.domains) new CustomDomain(`edge-domain-${domain}`, { serviceId: this.service.id, name: domain }, child);
    this.connection = {
      url: this.service.url.apply((u) => u ?? ""),
      adminToken: this.adminToken.result,
      routed: new Promise((resolve) => (this.resolveRouted = resolve)),
    };
    this.registerOutputs({});
  }

  /** The edge service's Render name (`edge-<env>`), as alert rules and the guardian name it. */
  get serviceName(): string {
    return `edge-${this.args.environment}`;
  }

  /** Writes the edge's env: the apps and routes it serves, its token, its Key Value. Call once, with every app. */
  route(routing: EdgeRouting): EnvVars {
    if (this.env) throw new Error("EdgeRouter.route: already called; pass every app in one call");
    const { edge } = this.args;
    this.env = new EnvVars(
      "edge-env",
      {
        serviceId: this.service.id,
        values: {
          EDGE_APPS: pulumi.secret(pulumi.output(routing.apps).apply((a) => JSON.stringify(a))),
          EDGE_ROUTES: pulumi.secret(JSON.stringify(routing.routes)),
          EDGE_ADMIN_TOKEN: this.adminToken.result,
          // A secret output of the Key Value: kept out of plaintext state and logs like every connection string.
          EDGE_KEY_VALUE_URL: this.state.connectionInfo.apply((c) => c.internalConnectionString),
          EDGE_DATA_PLANE: pulumi.secret(edge.dataPlane),
          // Static sites the edge does not route still send their web vitals to it; beacons for any other name are refused.
          ...(routing.vitalsOnly.length ? { EDGE_VITALS_APPS: pulumi.secret(routing.vitalsOnly.join(",")) } : {}),
          // The shutdown delays above are derived from these two; setting them here keeps the edge and Render in step.
          EDGE_DRAIN_TIMEOUT_MS: pulumi.secret(String(edge.drainTimeoutMs)),
          EDGE_SHUTDOWN_GRACE_MS: pulumi.secret(String(edge.shutdownGraceMs)),
        },
        // The starting point an edge of an older version persisted here; the edge seeds an empty Key Value from it.
        unmanagedKeys: ["EDGE_ACTIVE"],
      },
      movedFromStackRoot(this),
    );
    this.resolveRouted([this.service, this.env]);
    return this.env;
  }
}
