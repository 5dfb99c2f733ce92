import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { lazyProvider } from "./dynamic";
import type { ArgsOf } from "./fields";
import { metricStreamFields, type metricStreamInputsSchema, type MetricStreamOutputs } from "./impl/metric-stream";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";

/** Inputs of a {@link MetricStream} (`impl/metric-stream.ts`): where Render pushes a workspace's service metrics (OTLP/HTTP). */
export type MetricStreamArgs = ArgsOf<z.input<typeof metricStreamInputsSchema>>;

/** A workspace's metrics stream (`render:MetricStream`, `PUT/GET/DELETE /metrics-stream/{ownerId}`). */
export class MetricStream extends dynamicResourceWith<MetricStreamOutputs>() {
  constructor(name: string, args: MetricStreamArgs, opts?: pulumi.CustomResourceOptions) {
    // The state keeps the token's hash only (no `token` output).
    const keys = metricStreamFields.outputs.filter((k) => k !== "token");
    super(lazyProvider("metric-stream"), name, withOutputKeys(keys, args), opts, "render", "MetricStream");
  }
}
