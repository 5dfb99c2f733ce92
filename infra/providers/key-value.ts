import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { AdoptArgs } from "./adopt";
import { lazyProvider } from "./dynamic";
import type { ArgsOf } from "./fields";
import { keyValueFields, type keyValueInputsSchema, type KeyValueOutputs } from "./impl/key-value";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";

/** Inputs of a {@link KeyValue}: the fields of its zod schema (`impl/key-value.ts`, documented there). */
export type KeyValueArgs = ArgsOf<z.input<typeof keyValueInputsSchema>> & AdoptArgs;

/** Connection details; secret (the external string and the CLI command carry the password). */
export interface KeyValueConnectionInfo {
  /** `redis://<id>:6379` on Render's private network (no password). */
  internalConnectionString: string;
  /** `rediss://<id>:<password>@<region>-keyvalue.render.com:…` (TLS), allowed only from `ipAllowList`. */
  externalConnectionString: string;
  cliCommand: string;
}

/** A Render Key Value instance (`render:KeyValue`), Redis®-compatible. `connectionInfo` is a secret output. */
export class KeyValue extends dynamicResourceWith<KeyValueOutputs & { connectionInfo: KeyValueConnectionInfo }>() {
  constructor(name: string, args: KeyValueArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lazyProvider("key-value"),
      name,
      withOutputKeys(keyValueFields.outputs, args),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["connectionInfo"] }),
      "render",
      "KeyValue",
    );
  }
}
