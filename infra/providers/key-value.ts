import * as pulumi from "@pulumi/pulumi";
import type { AdoptArgs } from "./adopt";
import { lazyProvider } from "./dynamic";
import { withOutputKeys } from "./output-keys";

/** Inputs of a {@link KeyValue}. */
export interface KeyValueArgs extends AdoptArgs {
  /** Render name (in place). */
  name: pulumi.Input<string>;
  /** Workspace (replacement). */
  ownerId: pulumi.Input<string>;
  /** `free`, `starter`, `standard`, `pro`, `pro_plus` (in place; `free` has no persistence). */
  plan: pulumi.Input<string>;
  /** Default `oregon` (replacement). */
  region?: pulumi.Input<string>;
  /**
   * Eviction policy (in place), as Render's API spells it: `noeviction`, `allkeys_lru`, `allkeys_lfu`,
   * `allkeys_random`, `volatile_lru`, `volatile_lfu`, `volatile_random`, `volatile_ttl`. Unset: Render's default,
   * never diffed.
   */
  maxmemoryPolicy?: pulumi.Input<string>;
  /** External access (in place). Default `[]`: Render's private network only. */
  ipAllowList?: pulumi.Input<Array<{ cidrBlock: string; description?: string }>>;
  /** Render environment (moved in place, data kept). */
  environmentId?: pulumi.Input<string>;
}

/** Connection details; secret (the external string and the CLI command carry the password). */
export interface KeyValueConnectionInfo {
  /** `redis://<id>:6379` on Render's private network (no password). */
  internalConnectionString: string;
  /** `rediss://<id>:<password>@<region>-keyvalue.render.com:…` (TLS), allowed only from `ipAllowList`. */
  externalConnectionString: string;
  cliCommand: string;
}

/** A Render Key Value instance (`render:KeyValue`), Redis®-compatible. `connectionInfo` is a secret output. */
export class KeyValue extends pulumi.dynamic.Resource {
  declare readonly keyValueId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly plan: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string>;
  /** The live policy (Render's default when the input is unset). */
  declare readonly maxmemoryPolicy: pulumi.Output<string>;
  declare readonly ipAllowList: pulumi.Output<Array<{ cidrBlock: string; description: string }>>;
  declare readonly status: pulumi.Output<string>;
  declare readonly version: pulumi.Output<string>;
  declare readonly persistenceMode: pulumi.Output<string | undefined>;
  declare readonly dashboardUrl: pulumi.Output<string | undefined>;
  /** Secret. */
  declare readonly connectionInfo: pulumi.Output<KeyValueConnectionInfo>;

  constructor(name: string, args: KeyValueArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lazyProvider("key-value"),
      name,
      withOutputKeys(
        ["name", "plan", "region", "maxmemoryPolicy", "ipAllowList", "keyValueId", "status", "version", "persistenceMode", "dashboardUrl", "connectionInfo"],
        args,
      ),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connectionInfo"] }),
      "render",
      "KeyValue",
    );
  }
}
