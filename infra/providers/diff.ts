import type * as pulumi from "@pulumi/pulumi";

/**
 * Field-by-field diff for dynamic providers. Only the listed fields are compared, so `__provider` (which changes
 * with every edit of provider code) never causes an update.
 */

/** How each compared field changes on Render: in place, or only by replacing the resource. */
export interface DiffSpec<T> {
  replace: ReadonlyArray<keyof T & string>;
  update: ReadonlyArray<keyof T & string>;
  /** Normalizes a value before comparison (e.g. "" ≡ undefined, canonical image names). */
  normalize?: (field: keyof T & string, value: unknown, whole: Partial<T>) => unknown;
  /** Fields that are compared only when the new inputs set them (Render fills a non-empty default otherwise). */
  onlyWhenSet?: ReadonlyArray<keyof T & string>;
}

/** Treats "", null, [] and {} as unset, and compares objects without regard to key order. */
function canonical(v: unknown): unknown {
  if (v === null || v === undefined || v === "") return undefined;
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(canonical);
  if (typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => [k, canonical(x)] as const)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  return v;
}

/** Deep equality after {@link canonical}. */
export function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Fields whose values differ between old state and new inputs. */
export function changedFields<T>(spec: DiffSpec<T>, olds: Partial<T>, news: Partial<T>): Array<keyof T & string> {
  const norm = spec.normalize ?? ((_f, v) => v);
  const out: Array<keyof T & string> = [];
  for (const f of [...spec.replace, ...spec.update]) {
    if (spec.onlyWhenSet?.includes(f) && news[f] === undefined) continue;
    if (!same(norm(f, olds[f], olds), norm(f, news[f], news))) out.push(f);
  }
  return out;
}

/**
 * Live values mapped onto the input fields, but keeping the old spelling wherever the two are equivalent after
 * normalization (`nginx` vs `docker.io/library/nginx:latest`), so `refresh` shows only real changes.
 */
export function preferOld<T extends object>(spec: DiffSpec<T>, olds: Partial<T> | undefined, live: T): T {
  if (!olds) return live;
  const norm = spec.normalize ?? ((_f, v) => v);
  const out = { ...live };
  for (const f of [...spec.replace, ...spec.update]) {
    if (f in olds && same(norm(f, olds[f], olds), norm(f, live[f], live))) (out as Record<string, unknown>)[f] = olds[f];
  }
  return out;
}

/** The diff result Pulumi expects: explicit `changes`, and `replaces` for the fields Render cannot change in place. */
export function diffBySpec<T>(spec: DiffSpec<T>, olds: Partial<T>, news: Partial<T>): pulumi.dynamic.DiffResult {
  const changed = changedFields(spec, olds, news);
  const replaces = changed.filter((f) => spec.replace.includes(f));
  return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
}
