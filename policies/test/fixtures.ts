import type { ResourceFacts } from "../rules/types";

/** A resource as a rule sees it, in stack `production` of project `stackguard`. */
export function res(
  type: string,
  name: string,
  props: Record<string, unknown>,
  opts: Partial<ResourceFacts["opts"]> = {},
  stack = "production",
): ResourceFacts {
  return {
    urn: `urn:pulumi:${stack}::stackguard::${type}::${name}`,
    type,
    name,
    props,
    opts: { protect: false, ignoreChanges: [], ...opts },
  };
}

/** The messages of a non-compliant result ([] otherwise). */
export function messages(r: { status: string; messages?: string[] }): string[] {
  return r.status === "non-compliant" ? (r.messages ?? []) : [];
}
