import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { lazyProvider } from "./dynamic";
import type { ArgsOf } from "./fields";
import { envGroupLinkFields, type envGroupLinkInputsSchema, type EnvGroupLinkOutputs } from "./impl/env-group-link";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";

/** Inputs of an {@link EnvGroupLink} (`impl/env-group-link.ts`); changing either end replaces the link. */
export type EnvGroupLinkArgs = ArgsOf<z.input<typeof envGroupLinkInputsSchema>>;

/** Links an env group to a service (`render:EnvGroupLink`). */
export class EnvGroupLink extends dynamicResourceWith<EnvGroupLinkOutputs>() {
  constructor(name: string, args: EnvGroupLinkArgs, opts?: pulumi.CustomResourceOptions) {
    super(lazyProvider("env-group-link"), name, withOutputKeys(envGroupLinkFields.outputs, args), opts, "render", "EnvGroupLink");
  }
}
