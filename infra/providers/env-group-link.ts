import * as pulumi from "@pulumi/pulumi";
import { lazyProvider } from "./dynamic";
import { withOutputKeys } from "./output-keys";

/** Inputs of an {@link EnvGroupLink}; changing either end replaces the link. */
export interface EnvGroupLinkArgs {
  envGroupId: pulumi.Input<string>;
  serviceId: pulumi.Input<string>;
}

/** Links an env group to a service (`render:EnvGroupLink`). */
export class EnvGroupLink extends pulumi.dynamic.Resource {
  declare readonly envGroupId: pulumi.Output<string>;
  declare readonly serviceId: pulumi.Output<string>;

  constructor(name: string, args: EnvGroupLinkArgs, opts?: pulumi.CustomResourceOptions) {
    super(lazyProvider("env-group-link"), name, withOutputKeys(["envGroupId", "serviceId"], args), opts, "render", "EnvGroupLink");
  }
}
