import * as pulumi from "@pulumi/pulumi";
import type { AdoptArgs } from "./adopt";
import { lazyProvider } from "./dynamic";
import { withOutputKeys } from "./output-keys";

/** Inputs of a {@link Postgres}. */
export interface PostgresArgs extends AdoptArgs {
  name: pulumi.Input<string>;
  /** Workspace (replacement). */
  ownerId: pulumi.Input<string>;
  /** e.g. `basic_1gb`, `pro_4gb` (in place). */
  plan: pulumi.Input<string>;
  /** Major version `13`…`18` (replacement). */
  version: pulumi.Input<string>;
  /** Default `oregon` (replacement). */
  region?: pulumi.Input<string>;
  /** Needs a pro or accelerated plan (in place). */
  highAvailability?: pulumi.Input<boolean>;
  /** Grows in place; cannot shrink. */
  diskSizeGB?: pulumi.Input<number>;
  /** Names of read replicas (in place). */
  readReplicas?: pulumi.Input<pulumi.Input<string>[]>;
  /** Requested database name (Render appends `_xxxx`; see `actualDatabaseName`). Replacement. */
  databaseName?: pulumi.Input<string>;
  databaseUser?: pulumi.Input<string>;
  environmentId?: pulumi.Input<string>;
  ipAllowList?: pulumi.Input<Array<{ cidrBlock: string; description?: string }>>;
}

/** Connection details; secret. */
export interface PostgresConnectionInfo {
  password: string;
  internalConnectionString: string;
  externalConnectionString: string;
  psqlCommand: string;
}

/** A Render Postgres instance (`render:Postgres`). `connectionInfo` is a secret output. */
export class Postgres extends pulumi.dynamic.Resource {
  declare readonly postgresId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly plan: pulumi.Output<string>;
  declare readonly version: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string>;
  declare readonly highAvailability: pulumi.Output<boolean>;
  declare readonly status: pulumi.Output<string>;
  declare readonly actualDatabaseName: pulumi.Output<string>;
  declare readonly actualDatabaseUser: pulumi.Output<string>;
  declare readonly readReplicaIds: pulumi.Output<string[]>;
  declare readonly dashboardUrl: pulumi.Output<string | undefined>;
  /** Secret. */
  declare readonly connectionInfo: pulumi.Output<PostgresConnectionInfo>;

  constructor(name: string, args: PostgresArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lazyProvider("postgres"),
      name,
      withOutputKeys(
        ["name", "plan", "version", "region", "highAvailability", "postgresId", "status", "actualDatabaseName", "actualDatabaseUser",
          "readReplicaIds", "dashboardUrl", "connectionInfo"],
        args,
      ),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connectionInfo"] }),
      "render",
      "Postgres",
    );
  }
}
