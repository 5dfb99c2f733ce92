import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { lazyProvider } from "./dynamic";
import type { ArgsOf } from "./fields";
import { postgresExportFields, type postgresExportInputsSchema, type PostgresExportOutputs } from "./impl/postgres-export";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";

/** Inputs of a {@link PostgresExport} (`impl/postgres-export.ts`). */
export type PostgresExportArgs = ArgsOf<z.input<typeof postgresExportInputsSchema>>;

/** A logical export of a Postgres instance (`render:PostgresExport`); `url` is a secret output. */
export class PostgresExport extends dynamicResourceWith<PostgresExportOutputs>() {
  constructor(name: string, args: PostgresExportArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lazyProvider("postgres-export"),
      name,
      withOutputKeys(postgresExportFields.outputs, args),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["url"] }),
      "render",
      "PostgresExport",
    );
  }
}
