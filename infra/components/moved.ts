import * as pulumi from "@pulumi/pulumi";

/**
 * Options for a child of a component that earlier versions of the program registered at the stack's root: the alias
 * keeps its URN history, so an existing stack adopts it under the component with no replacement (a replaced edge
 * service or Key Value instance would be a new host and an empty state).
 */
export function movedFromStackRoot(parent: pulumi.Resource): pulumi.CustomResourceOptions {
  return { parent, aliases: [{ parent: pulumi.rootStackResource }] };
}
