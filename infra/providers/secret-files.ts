import * as pulumi from "@pulumi/pulumi";
import { lazyProvider } from "./dynamic";
import { provider as secretFilesProvider } from "./impl/secret-files";
import type { ServiceListInputs } from "./impl/service-list";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";
import { asSecret, secretMarker } from "./secret-inputs";

/** Inputs of {@link SecretFiles}. */
export interface SecretFilesArgs {
  /** The service (`srv-…`); changing it replaces the resource. */
  serviceId: pulumi.Input<string>;
  /** File name → content; must be Pulumi secrets. The resource owns all of the service's secret files except `unmanagedKeys`. */
  files: pulumi.Input<Record<string, pulumi.Input<string>>>;
  unmanagedKeys?: pulumi.Input<pulumi.Input<string>[]>;
}

/** A service's secret files (`render:SecretFiles`). Contents stay secret in state. */
export class SecretFiles extends dynamicResourceWith<ServiceListInputs>() {
  constructor(name: string, args: SecretFilesArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      lazyProvider("secret-files"),
      name,
      withOutputKeys(secretFilesProvider.fields.outputs, { ...args, files: asSecret(args.files), secretInputs: secretMarker({ files: args.files }) }),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["files"] }),
      "render",
      "SecretFiles",
    );
  }
}
