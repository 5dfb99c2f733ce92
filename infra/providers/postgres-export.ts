import * as pulumi from "@pulumi/pulumi";
import { lazyProvider } from "./dynamic";

/** Inputs of a {@link PostgresExport}. */
export interface PostgresExportArgs {
  postgresId: pulumi.Input<string>;
  /** Change to take a new export (e.g. the release being promoted). */
  trigger?: pulumi.Input<string>;
}

/** A logical export of a Postgres instance (`render:PostgresExport`); `url` is a secret output. */
export class PostgresExport extends pulumi.dynamic.Resource {
  declare readonly exportId: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  /** Secret download link. */
  declare readonly url: pulumi.Output<string | undefined>;

  constructor(name: string, args: PostgresExportArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lazyProvider("postgres-export"),
      name,
      { ...args, exportId: undefined, createdAt: undefined, url: undefined },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["url"] }),
      "render",
      "PostgresExport",
    );
  }
}
