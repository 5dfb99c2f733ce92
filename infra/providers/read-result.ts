import type * as pulumi from "@pulumi/pulumi";

/**
 * `read` results, typed for a provider's outputs `O`.
 *
 * The SDK types `ReadResult.inputs` as the outputs type (@pulumi/pulumi 3.x `dynamic/index.d.ts`), though the engine
 * takes it as the resource's inputs (what `refresh` records, and the next diff compares with the program's): a
 * provider returns its checked inputs there, so {@link readResult} accepts them as such.
 */

/** A live resource: its outputs, and the inputs that describe it as it is (for `refresh`). */
export function readResult<I extends object, O extends I>(id: string, props: O, inputs: I): pulumi.dynamic.ReadResult<O> {
  return { id, props, inputs: inputs as O };
}

/** A resource deleted outside Pulumi: an empty id tells the engine it is gone (refresh drops it from the state). */
export function gone<O>(): pulumi.dynamic.ReadResult<O> {
  return { id: "", props: {} as O };
}
