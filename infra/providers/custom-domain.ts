import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { AdoptArgs } from "./adopt";
import { lazyProvider } from "./dynamic";
import type { ArgsOf } from "./fields";
import { customDomainFields, type customDomainInputsSchema, type CustomDomainOutputs } from "./impl/custom-domain";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";

/** Inputs of a {@link CustomDomain} (`impl/custom-domain.ts`); changing serviceId or name replaces the domain. */
export type CustomDomainArgs = ArgsOf<z.input<typeof customDomainInputsSchema>> & AdoptArgs;

/** A custom domain on a service (`render:CustomDomain`). */
export class CustomDomain extends dynamicResourceWith<CustomDomainOutputs>() {
  constructor(name: string, args: CustomDomainArgs, opts?: pulumi.CustomResourceOptions) {
    super(lazyProvider("custom-domain"), name, withOutputKeys(customDomainFields.outputs, args), opts, "render", "CustomDomain");
  }
}
