import type { FlagSet } from "./definition";

/**
 * Inlines `{ "$ref": "<name>" }` fragments from `$evaluators`, as flagd does before compiling targeting, so a
 * single flag can be stored and served on its own. Unknown names are left in place: flagd-core then refuses the
 * targeting and validation names the flag.
 */
export function expandRefs(set: FlagSet): FlagSet {
  const evaluators = set.$evaluators ?? {};
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === "object") {
      const keys = Object.keys(node);
      const ref = (node as { $ref?: unknown }).$ref;
      if (keys.length === 1 && typeof ref === "string" && ref in evaluators) return walk(evaluators[ref]);
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    }
    return node;
  };
  const { $evaluators: _inlined, ...rest } = set;
  return { ...rest, flags: walk(set.flags) as FlagSet["flags"] };
}
