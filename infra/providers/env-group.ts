import * as pulumi from "@pulumi/pulumi";
import type { AdoptArgs } from "./adopt";
import { lazyProvider } from "./dynamic";
import { withOutputKeys } from "./output-keys";
import { asSecret, secretMarker } from "./secret-inputs";

/** Inputs of an {@link EnvGroup}. */
export interface EnvGroupArgs extends AdoptArgs {
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
export class EnvGroup extends pulumi.dynamic.Resource {
  /** `evg-…` (same as `id`). */
  declare readonly envGroupId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;

  constructor(name: string, args: EnvGroupArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lazyProvider("env-group"),
      name,
      withOutputKeys(["name", "ownerId", "environmentId"], {
        ...args,
        envVars: asSecret(args.envVars),
        secretFiles: asSecret(args.secretFiles),
        secretInputs: secretMarker({ envVars: args.envVars, secretFiles: args.secretFiles }),
        envGroupId: undefined,
      }),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["envVars", "secretFiles"] }),
      "render",
      "EnvGroup",
    );
  }
}
