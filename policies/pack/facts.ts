import { Secret } from "@pulumi/policy";
import type { ResourceFacts, StackResourceFacts } from "../rules/types";
import type { Props } from "../lib/values";

/**
 * Adapters from @pulumi/policy's arguments to the plain facts the rules take. @pulumi/policy hands policies its
 * props behind proxies (one that throws on unknown values, one that unwraps secrets); the rules get the plain data
 * underneath instead, with unknowns left as the engine's sentinels (see lib/values.ts) and secrets as their values.
 */

const IS_PROXY = "__isSpecialProxy";
const TARGET = "__getSpecialProxyTarget";

/** The object under @pulumi/policy's proxies. */
export function unwrapProxies(v: unknown): unknown {
  let cur = v as Record<string, unknown> | undefined;
  for (let i = 0; i < 4 && cur && typeof cur === "object" && cur[IS_PROXY] === true; i++) cur = cur[TARGET] as Record<string, unknown>;
  return cur;
}

/** A deep plain copy with `Secret` wrappers replaced by their values. */
export function plain(v: unknown, depth = 0): unknown {
  if (depth > 64 || v === null || typeof v !== "object") return v;
  if (v instanceof Secret) return plain(v.value, depth + 1);
  if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
  const out: Props = {};
  for (const [k, x] of Object.entries(v as Props)) out[k] = plain(x, depth + 1);
  return out;
}

/** The input paths under a `Secret` wrapper (same path syntax as lib/values.ts `stringsIn`). */
export function secretPathsOf(raw: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown, path: string, depth: number): void => {
    if (depth > 64 || v === null || typeof v !== "object") return;
    if (v instanceof Secret) {
      out.add(path || "(value)");
      visit(v.value, path, depth + 1);
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}[${i}]`, depth + 1));
    else for (const [k, x] of Object.entries(v as Props)) visit(x, path ? `${path}.${k}` : k, depth + 1);
  };
  visit(raw, "", 0);
  return out;
}

interface ArgsLike {
  urn: string;
  type: string;
  name: string;
  props: unknown;
  opts: { protect?: boolean; ignoreChanges?: string[] };
}

/** Facts of a resource under validation or in a stack. */
export function factsOf(args: ArgsLike): ResourceFacts & StackResourceFacts {
  return {
    urn: args.urn,
    type: args.type,
    name: args.name,
    props: (plain(unwrapProxies(args.props)) ?? {}) as Props,
    opts: { protect: !!args.opts?.protect, ignoreChanges: [...(args.opts?.ignoreChanges ?? [])] },
  };
}
