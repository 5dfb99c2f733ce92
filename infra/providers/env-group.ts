import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { AdoptArgs } from "./adopt";
import { lazyProvider } from "./dynamic";
import type { ArgsOf } from "./fields";
import { envGroupFields, type envGroupInputsSchema, type EnvGroupOutputs } from "./impl/env-group";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";
import { asSecret, secretMarker } from "./secret-inputs";

/**
 * Inputs of an {@link EnvGroup}: the fields of its zod schema (`impl/env-group.ts`), but the secret maps take
 * per-value Inputs and the secret marker is the class's own (so this one is written out, checked against the schema).
 */
export interface EnvGroupArgs extends AdoptArgs, Omit<ArgsOf<z.input<typeof envGroupInputsSchema>>, "envVars" | "secretFiles" | "secretInputs"> {
  /** Group name (rename in place). */
  name: pulumi.Input<string>;
  /** Workspace `tea-…` (replacement). */
  ownerId: pulumi.Input<string>;
  /** Render environment (replacement). */
  environmentId?: pulumi.Input<string>;
  /** Env vars; must be Pulumi secrets (`pulumi.secret`, `config.requireSecret`). */
  envVars?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Secret files name → content; must be Pulumi secrets. */
  secretFiles?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** A Render env group (`render:EnvGroup`). Values and file contents stay secret in state. */
export class EnvGroup extends dynamicResourceWith<EnvGroupOutputs>() {
  constructor(name: string, args: EnvGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lazyProvider("env-group"),
      name,
      withOutputKeys(envGroupFields.outputs, {
        ...args,
        envVars: asSecret(args.envVars),
        secretFiles: asSecret(args.secretFiles),
        secretInputs: secretMarker({ envVars: args.envVars, secretFiles: args.secretFiles }),
      }),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["envVars", "secretFiles"] }),
      "render",
      "EnvGroup",
    );
  }
}
