/**
 * Props for a dynamic resource with every output key present (as undefined unless given). Pulumi only creates the
 * output properties named in the props, so a resource read with `get` (`new X(name, {} as never, { id })`), whose
 * args are empty, would otherwise have no `name`, `plan`, … outputs.
 */
export function withOutputKeys<A extends object>(keys: readonly string[], args: A): Record<string, unknown> {
  return { ...Object.fromEntries(keys.map((k) => [k, undefined])), ...args };
}
