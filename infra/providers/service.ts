import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { AdoptArgs } from "./adopt";
import { lazyProvider } from "./dynamic";
import type { ArgsOf } from "./fields";
import { serviceFields, type serviceInputsSchema, type ServiceOutputs } from "./impl/service";
import { dynamicResourceWith, withOutputKeys } from "./output-keys";

/**
 * Inputs of a {@link Service}: the fields of its zod schema (`impl/service.ts`, with each field's documentation and
 * validation; `serviceFields` says which fields change in place and which force a replacement).
 */
export type ServiceArgs = ArgsOf<z.input<typeof serviceInputsSchema>> & AdoptArgs;

/** A Render web service, private service, background worker, static site or cron job (`render:Service`). */
export class Service extends dynamicResourceWith<ServiceOutputs>() {
  constructor(name: string, args: ServiceArgs, opts?: pulumi.CustomResourceOptions) {
    // Every output key (see `output-keys.ts`: needed for resources read with `get`).
    super(lazyProvider("service"), name, withOutputKeys(serviceFields.outputs, args), opts, "render", "Service");
  }
}
