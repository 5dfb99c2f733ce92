import * as pulumi from "@pulumi/pulumi";
import { lazyProvider } from "./dynamic";
import { provider as envVarsProvider } from "./impl/env-vars";
import type { ServiceListInputs } from "./impl/service-list";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";
import { asSecret, secretMarker } from "./secret-inputs";

/** Inputs of {@link EnvVars}. */
export interface EnvVarsArgs {
  /** The service (`srv-…`); changing it replaces the resource. */
  serviceId: pulumi.Input<string>;
  /** The service's env vars; must be Pulumi secrets. The resource owns the whole list, except `unmanagedKeys`. */
  values: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Keys written by someone else (kept on every write, ignored on refresh). */
  unmanagedKeys?: pulumi.Input<pulumi.Input<string>[]>;
}

/** A service's env vars (`render:EnvVars`). Values stay secret in state. */
export class EnvVars extends dynamicResourceWith<ServiceListInputs>() {
  constructor(name: string, args: EnvVarsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lazyProvider("env-vars"),
      name,
      withOutputKeys(envVarsProvider.fields.outputs, { ...args, values: asSecret(args.values), secretInputs: secretMarker({ values: args.values }) }),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["values"] }),
      "render",
      "EnvVars",
    );
  }
}
