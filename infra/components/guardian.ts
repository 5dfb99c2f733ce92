import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { StackConfig } from "../config/schema";
import { EnvVars, MetricStream, Service } from "../providers";
import type { EdgeRouter } from "./edge-router";
import { movedFromStackRoot } from "./moved";

/** The guardian (apps/guardian): watches the stack against the alert rules. */
export const GUARDIAN_IMAGE = "stackguard/guardian:0.1.0";

/** Inputs of {@link Guardian}. */
export interface GuardianArgs {
  environment: StackConfig["environment"];
  ownerId: string;
  region: string;
  edge: EdgeRouter;
  /** Render name → service id of everything it watches (edge, slots, workers, sites). */
  services: pulumi.Input<Record<string, string>>;
  /** AlphaStack engine's health URL, read by the program (the guardian never needs AlphaStack's key for it). */
  alphaStackHealthUrl?: pulumi.Input<string>;
  /**
   * True in the stack's own workspace: Render pushes metrics to it over OTLP and it holds no Render key. False in
   * AlphaStack's workspace (see below): it reads metrics with `renderApiKey`.
   */
  pushedMetrics: boolean;
  /** A read-only (Viewer) Render key; used only when `pushedMetrics` is false. */
  renderApiKey?: pulumi.Input<string>;
  renderApiUrl: string;
  /** Where it notifies (secret). */
  webhookUrl?: pulumi.Input<string>;
}

/**
 * The guardian (`stackguard:components:Guardian`): one instance (two would notify twice), reading rules and metrics
 * from the edge with its token. In its own workspace it holds no Render API key (a key can change the whole
 * workspace): Render pushes CPU and memory to it through the workspace's metrics stream (OTLP/HTTP, Bearer token),
 * so it is a web service Render can reach. In AlphaStack's workspace a metrics stream is workspace-wide, so
 * AlphaStack's to set: there it stays a worker with a read-only key (docs/pipeline.md).
 */
export class Guardian extends pulumi.ComponentResource {
  readonly service: Service;

  constructor(name: string, args: GuardianArgs, opts?: pulumi.ComponentResourceOptions) {
    super("stackguard:components:Guardian", name, {}, opts);
    const child = movedFromStackRoot(this);
    const pushed = args.pushedMetrics;
    this.service = new Service(
      "guardian",
      {
        name: `guardian-${args.environment}`,
        ownerId: args.ownerId,
        region: args.region,
        plan: "starter",
        numInstances: 1,
        image: GUARDIAN_IMAGE,
        autoDeploy: false,
        ...(pushed ? { type: "web_service" as const, healthCheckPath: "/healthz" } : { type: "background_worker" as const }),
      },
      child,
    );
    const otlpToken = pushed ? new random.RandomPassword("guardian-otlp-token", { length: 48, special: false }, child) : undefined;
    const edge = args.edge;
    new EnvVars(
      "guardian-env",
      {
        serviceId: this.service.id,
        values: {
          EDGE_URL: pulumi.secret(edge.connection.url),
          EDGE_ADMIN_TOKEN: edge.connection.adminToken,
          EDGE_SERVICE_ID: pulumi.secret(edge.service.id),
          GUARDIAN_SERVICES: pulumi.secret(pulumi.output(args.services).apply((s) => JSON.stringify(s))),
          STACKGUARD_ENVIRONMENT: pulumi.secret(args.environment),
          ...(otlpToken ? { GUARDIAN_OTLP_TOKEN: otlpToken.result } : {}),
          ...(!pushed && args.renderApiKey ? { RENDER_API_KEY: pulumi.secret(args.renderApiKey), RENDER_API_URL: pulumi.secret(args.renderApiUrl) } : {}),
          ...(args.alphaStackHealthUrl ? { ALPHASTACK_HEALTH_URL: pulumi.secret(args.alphaStackHealthUrl) } : {}),
          ...(args.webhookUrl ? { ALERT_WEBHOOK_URL: pulumi.secret(args.webhookUrl) } : {}),
        },
      },
      { ...child, dependsOn: edge.connection.routed },
    );
    // The workspace's metrics stream to the guardian (not in AlphaStack's workspace: see above).
    if (otlpToken) {
      new MetricStream(
        "metrics-stream",
        { ownerId: args.ownerId, provider: "CUSTOM", url: this.service.url.apply((u) => u ?? ""), token: otlpToken.result },
        { ...child, dependsOn: [this.service] },
      );
    }
    this.registerOutputs({});
  }
}
