import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { lazyProvider } from "./dynamic";
import type { ArgsOf } from "./fields";
import { logStreamFields, type logStreamInputsSchema, type LogStreamOutputs } from "./impl/log-stream";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";

/** Inputs of a {@link LogStream} (`impl/log-stream.ts`): where Render streams a workspace's service logs (syslog over TLS). */
export type LogStreamArgs = ArgsOf<z.input<typeof logStreamInputsSchema>>;

/** A workspace's log stream (`render:LogStream`, `PUT/GET/DELETE /logs/streams/owner/{ownerId}`). */
export class LogStream extends dynamicResourceWith<LogStreamOutputs>() {
  constructor(name: string, args: LogStreamArgs, opts?: pulumi.CustomResourceOptions) {
    // The token is a secret whatever the caller passed: encrypted in state, `[secret]` in every preview. The state
    // keeps its hash only (no `token` output).
    const keys = logStreamFields.outputs.filter((k) => k !== "token");
    super(lazyProvider("log-stream"), name, withOutputKeys(keys, { ...args, token: pulumi.secret(args.token) }), opts, "render", "LogStream");
  }
}
