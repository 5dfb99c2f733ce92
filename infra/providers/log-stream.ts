import * as pulumi from "@pulumi/pulumi";
import { lazyProvider } from "./dynamic";
import { withOutputKeys } from "./output-keys";

/** Inputs of a {@link LogStream}: where Render streams a workspace's service logs (syslog over TLS). */
export interface LogStreamArgs {
  /** The workspace (`tea-…`); Render has one log stream setting per workspace. */
  ownerId: pulumi.Input<string>;
  /** The collector, `host:port` (syslog over TLS). */
  endpoint: pulumi.Input<string>;
  /** The collector's token, sent with every message; pass a secret. Never stored in state (only its hash). */
  token: pulumi.Input<string>;
  /** Whether preview services' logs are streamed too (Render's `preview`: `send` | `drop`; default `drop`). */
  preview?: pulumi.Input<"send" | "drop">;
}

/** A workspace's log stream (`render:LogStream`, `PUT/GET/DELETE /logs/streams/owner/{ownerId}`). */
export class LogStream extends pulumi.dynamic.Resource {
  declare readonly ownerId: pulumi.Output<string>;
  declare readonly endpoint: pulumi.Output<string>;
  declare readonly preview: pulumi.Output<string>;

  constructor(name: string, args: LogStreamArgs, opts?: pulumi.CustomResourceOptions) {
    // The token is a secret whatever the caller passed: encrypted in state, `[secret]` in every preview.
    super(lazyProvider("log-stream"), name, withOutputKeys(["ownerId", "endpoint", "preview", "tokenHash"], { ...args, token: pulumi.secret(args.token) }), opts, "render", "LogStream");
  }
}
