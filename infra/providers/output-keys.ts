import * as pulumi from "@pulumi/pulumi";
import type { OutputsOf } from "./fields";

/**
 * Props for a dynamic resource with every output key present (as undefined unless given). Pulumi only creates the
 * output properties named in the props, so a resource read with `get` (`new X(name, {} as never, { id })`), whose
 * args are empty, would otherwise have no `name`, `plan`, … outputs.
 */
export function withOutputKeys<A extends object>(keys: readonly string[], args: A): Record<string, unknown> {
  return { ...Object.fromEntries(keys.map((k) => [k, undefined])), ...args };
}

/**
 * `pulumi.dynamic.Resource` with its output properties typed from the provider's outputs type `O` (derived from the
 * resource's zod schemas), so a resource class lists no output by hand.
 */
export function dynamicResourceWith<O>(): new (...args: ConstructorParameters<typeof pulumi.dynamic.Resource>) => pulumi.dynamic.Resource & OutputsOf<O> {
  return pulumi.dynamic.Resource as never;
}
