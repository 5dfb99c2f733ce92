import * as pulumi from "@pulumi/pulumi";
import { lazyProvider } from "./dynamic";
import { withOutputKeys } from "./output-keys";

/** Inputs of a {@link MetricStream}: where Render pushes a workspace's service metrics (OTLP/HTTP). */
export interface MetricStreamArgs {
  /** The workspace (`tea-…`); Render has one metrics stream per workspace. */
  ownerId: pulumi.Input<string>;
  /** Render's provider enum; `CUSTOM` for any OTLP/HTTP endpoint (e.g. the guardian's receiver). */
  provider?: pulumi.Input<"BETTER_STACK" | "GRAFANA" | "DATADOG" | "NEW_RELIC" | "HONEYCOMB" | "SIGNOZ" | "GROUNDCOVER" | "CUSTOM">;
  /** The OTLP/HTTP endpoint (https in production). */
  url: pulumi.Input<string>;
  /** Sent by Render as `Authorization: Bearer <token>`; pass a secret. Never stored in state (only its hash). */
  token: pulumi.Input<string>;
}

/** A workspace's metrics stream (`render:MetricStream`, `PUT/GET/DELETE /metrics-stream/{ownerId}`). */
export class MetricStream extends pulumi.dynamic.Resource {
  declare readonly ownerId: pulumi.Output<string>;
  declare readonly provider: pulumi.Output<string>;
  declare readonly url: pulumi.Output<string>;

  constructor(name: string, args: MetricStreamArgs, opts?: pulumi.CustomResourceOptions) {
    super(lazyProvider("metric-stream"), name, withOutputKeys(["ownerId", "provider", "url", "tokenHash"], args), opts, "render", "MetricStream");
  }
}
