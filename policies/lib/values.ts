/**
 * Plain-data helpers shared by every rule. Rules never see @pulumi/policy's proxies: the pack's adapters turn
 * `args.props` into plain JSON first (see `pack/facts.ts`), keeping the engine's "unknown during preview" sentinels as
 * they are, so a rule can decide explicitly what an unknown value means for it instead of throwing.
 */

/** The engine's sentinels for values not known until the update runs (`@pulumi/policy` proxy.ts). */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);

/** True when `v` is a value the engine does not know yet (preview). */
export function isUnknown(v: unknown): boolean {
  return typeof v === "string" && UNKNOWN_SENTINELS.has(v);
}

/** A JSON object of resource inputs or outputs. */
export type Props = Record<string, unknown>;

/** One string found in a value tree, with its path (`envVars.DATABASE_URL`, `values[2]`). */
export interface StringAt {
  path: string;
  /** The last object key on the path (`DATABASE_URL`), if any. */
  key: string | undefined;
  value: string;
}

/**
 * Every known string in a value tree, depth first. Object keys are reported too (as `value` = the key, with
 * `isKey`), because a protected id can be smuggled in as a map key. Unknown values are skipped.
 */
export function stringsIn(root: unknown, skipTopLevel: ReadonlySet<string> = new Set()): StringAt[] {
  const out: StringAt[] = [];
  const visit = (v: unknown, path: string, key: string | undefined, depth: number): void => {
    if (depth > 32 || v === null || v === undefined || isUnknown(v)) return;
    if (typeof v === "string") out.push({ path: path || "(value)", key, value: v });
    else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}[${i}]`, key, depth + 1));
    else if (typeof v === "object") {
      for (const [k, x] of Object.entries(v as Props)) {
        if (depth === 0 && skipTopLevel.has(k)) continue;
        const p = path ? `${path}.${k}` : k;
        out.push({ path: `${p} (key)`, key: k, value: k });
        visit(x, p, k, depth + 1);
      }
    }
  };
  visit(root, "", undefined, 0);
  return out;
}

/** `props.a.b` by a dotted path; undefined when any step is missing. */
export function at(props: unknown, path: string): unknown {
  let cur: unknown = props;
  for (const p of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Props)[p];
  }
  return cur;
}

/** A string value or undefined (unknowns become undefined). */
export function str(v: unknown): string | undefined {
  return typeof v === "string" && !isUnknown(v) ? v : undefined;
}

/** Splits `urn:pulumi:<stack>::<project>::<type chain>::<name>`; undefined parts for a malformed URN. */
export function parseUrn(urn: string): { stack?: string; project?: string; type?: string; name?: string } {
  const m = /^urn:pulumi:([^:]+)::([^:]+)::(.+)::([^:]*(?:::[^:]*)*)$/.exec(urn);
  if (!m) return {};
  const typeChain = m[3].split("$");
  return { stack: m[1], project: m[2], type: typeChain[typeChain.length - 1], name: m[4] };
}
