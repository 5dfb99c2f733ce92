import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { AdoptArgs } from "./adopt";
import { lazyProvider } from "./dynamic";
import type { ArgsOf } from "./fields";
import { postgresFields, type postgresInputsSchema, type PostgresOutputs } from "./impl/postgres";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";

/** Inputs of a {@link Postgres}: the fields of its zod schema (`impl/postgres.ts`, documented there). */
export type PostgresArgs = ArgsOf<z.input<typeof postgresInputsSchema>> & AdoptArgs;

/** Connection details; secret. */
export interface PostgresConnectionInfo {
  password: string;
  internalConnectionString: string;
  externalConnectionString: string;
  psqlCommand: string;
}

/** A Render Postgres instance (`render:Postgres`). `connectionInfo` is a secret output. */
export class Postgres extends dynamicResourceWith<PostgresOutputs & { connectionInfo: PostgresConnectionInfo }>() {
  constructor(name: string, args: PostgresArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lazyProvider("postgres"),
      name,
      withOutputKeys(postgresFields.outputs, args),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connectionInfo"] }),
      "render",
      "Postgres",
    );
  }
}
