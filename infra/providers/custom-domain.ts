import * as pulumi from "@pulumi/pulumi";
import type { AdoptArgs } from "./adopt";
import { lazyProvider } from "./dynamic";

/** Inputs of a {@link CustomDomain}; changing either field replaces the domain. */
export interface CustomDomainArgs extends AdoptArgs {
  serviceId: pulumi.Input<string>;
  /** Host name, e.g. `api.example.com`. */
  name: pulumi.Input<string>;
  /** Ask Render to check DNS after creating (default true). */
  verify?: pulumi.Input<boolean>;
}

/** A custom domain on a service (`render:CustomDomain`). */
export class CustomDomain extends pulumi.dynamic.Resource {
  /** `cdm-…` (same as `id`). */
  declare readonly domainId: pulumi.Output<string>;
  declare readonly domainType: pulumi.Output<string>;
  /** `verified` or `unverified` (refresh to see DNS progress). */
  declare readonly verificationStatus: pulumi.Output<"verified" | "unverified">;

  constructor(name: string, args: CustomDomainArgs, opts?: pulumi.CustomResourceOptions) {
    super(lazyProvider("custom-domain"), name, { ...args, domainId: undefined, domainType: undefined, verificationStatus: undefined }, opts, "render", "CustomDomain");
  }
}
