import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { DiffSpec } from "./diff";

/**
 * One place per resource for its field lists (issue 18 item 3): the resource's zod input schema is the list of
 * input fields, a table next to it says how a change of each one reaches Render, and a zod schema of what Render
 * computes adds the output fields. Everything else (the diff's replace/update lists, the fields the update call
 * sends, the program-side output keys and types) is derived from those, so a field cannot be listed in one place and
 * forgotten in another: the table must name every field of the schema (the compiler refuses a missing one, and
 * {@link resourceFields} refuses an extra one at load).
 */

/**
 * How a change of one input field reaches Render.
 * - `replace`: fixed at creation (Render's update call does not take it): a change is a new resource.
 * - `update`: sent by the resource's one update call (the PATCH/PUT of the resource itself).
 * - `action`: changed in place through an endpoint of its own (scale, autoscaling, suspend, an environment move,
 *   per-key writes), not by the update call.
 * - `state`: a setting of the provider itself, kept in the state: a change is an update that sends nothing
 *   (CustomDomain's `verify`, read at create).
 * - `local`: never sent to Render and never compared (a local checkout path, the secret-input marker).
 */
export type FieldChange = "replace" | "update" | "action" | "state" | "local";

/** String keys of `T`. */
type Keys<T> = keyof T & string;

/** The schema's object and its shape, under any `.transform`/`.pipe` (superRefine keeps the object itself). */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodPipe) s = s._zod.def.in as z.ZodType;
  if (!(s instanceof z.ZodObject)) throw new Error("stackguard: a resource's input schema must be a zod object (optionally refined or transformed)");
  return s.shape as Record<string, z.ZodType>;
}

/** What {@link resourceFields} is given besides the schemas. */
export interface FieldOptions<I> {
  /** Normalizes a value before comparison (e.g. "" ≡ undefined, canonical image names). */
  normalize?: DiffSpec<I>["normalize"];
  /** Fields compared only when the new inputs set them (Render fills a non-empty default otherwise). */
  onlyWhenSet?: ReadonlyArray<Keys<I>>;
}

/** The fields of a change table `T` whose change is `C`. */
type FieldsWith<T, C extends FieldChange> = { [K in keyof T]: T[K] extends C ? K : never }[keyof T] & string;

/** A resource's field lists, all derived from its schemas and its change table `T`. */
export interface ResourceFields<I, C, T = Record<Keys<I>, FieldChange>> {
  /** Every input field, in the schema's order. */
  readonly inputs: ReadonlyArray<Keys<I>>;
  /** Fields whose change replaces the resource. */
  readonly replace: ReadonlyArray<FieldsWith<T, "replace">>;
  /** Fields sent by the resource's one update call. */
  readonly update: ReadonlyArray<FieldsWith<T, "update">>;
  /** Fields changed in place by an endpoint of their own. */
  readonly action: ReadonlyArray<FieldsWith<T, "action">>;
  /** Fields that change in place: {@link update}, {@link action} and `state`. */
  readonly inPlace: ReadonlyArray<Keys<I>>;
  /** What Render computes (the keys of the computed schema). */
  readonly computed: ReadonlyArray<Keys<C>>;
  /** Every output key: the inputs Render keeps (not `local`) and the computed ones. */
  readonly outputs: ReadonlyArray<string>;
  /** The diff spec: compares exactly the replace and in-place fields. */
  readonly diffSpec: DiffSpec<I>;
}

/**
 * Derives a resource's field lists.
 *
 * @param schema the resource's zod input schema (a `z.object`, possibly refined or transformed)
 * @param changes how each input field's change reaches Render; must name every field of the schema
 * @param computed a zod object of the outputs Render computes (ids, URLs, status…); its keys must not be inputs
 */
export function resourceFields<S extends z.ZodType, const T extends { readonly [K in Keys<z.output<S>>]-?: FieldChange }, C extends z.ZodObject>(
  schema: S,
  changes: T,
  computed: C,
  options: FieldOptions<z.output<S>> = {},
): ResourceFields<z.output<S>, z.output<C>, T> {
  type I = z.output<S>;
  const inputs = Object.keys(objectShape(schema)) as Array<Keys<I>>;
  const table = changes as Record<string, FieldChange>;
  const missing = inputs.filter((f) => !(f in table));
  const extra = Object.keys(table).filter((f) => !inputs.includes(f as Keys<I>));
  const outsOnly = Object.keys(computed.shape);
  const clash = outsOnly.filter((f) => inputs.includes(f as Keys<I>));
  if (missing.length || extra.length || clash.length) {
    throw new Error(
      `stackguard: field table out of step with the schema: ${[
        missing.length ? `missing ${missing.join(", ")}` : "",
        extra.length ? `not in the schema ${extra.join(", ")}` : "",
        clash.length ? `computed and input ${clash.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join("; ")}`,
    );
  }
  const having = <F extends FieldChange>(c: F) => inputs.filter((f) => table[f] === c) as Array<FieldsWith<T, F>>;
  const replace = having("replace");
  const update = having("update");
  const action = having("action");
  const inPlace = inputs.filter((f) => table[f] === "update" || table[f] === "action" || table[f] === "state");
  return {
    inputs,
    replace,
    update,
    action,
    inPlace,
    computed: outsOnly as Array<Keys<z.output<C>>>,
    outputs: [...inputs.filter((f) => table[f] !== "local"), ...outsOnly],
    diffSpec: { replace: replace as Array<Keys<I>>, update: inPlace, ...options },
  };
}

/**
 * The update call's body, one part per field: `parts` must name every field the update call sends (the compiler
 * refuses a missing one), so a field that changes cannot be left out of the body. Parts are merged deeply, so two
 * fields can write into one nested object (`serviceDetails.envSpecificDetails`).
 */
export type BodyParts<I, F extends Keys<I>> = { readonly [K in F]-?: (inputs: I) => Record<string, unknown> };

/** Merges the parts of {@link BodyParts} into one body (plain objects merged key by key, anything else replaced). */
export function bodyFrom<I, F extends Keys<I>>(parts: BodyParts<I, F>, inputs: I): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const part of Object.values(parts) as Array<(i: I) => Record<string, unknown>>) mergeInto(out, part(inputs));
  return out;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;
}

function mergeInto(target: Record<string, unknown>, add: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(add)) {
    if (v === undefined) continue;
    const cur = target[k];
    if (isPlain(cur) && isPlain(v)) mergeInto(cur, v);
    // A copy, so that merging a later part never writes into an object a part returned (it may be an input's).
    else target[k] = isPlain(v) ? clonePlain(v) : v;
  }
}

function clonePlain(v: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, isPlain(x) ? clonePlain(x) : x]));
}

/** A string enum widened to `string`: stack config arrives as strings, and `check` names the valid values. */
type Widen<T> = T extends string ? string : T;

/**
 * The program-side arguments of a resource, derived from its schema's input type: each field a `pulumi.Input`
 * (TSDoc carried over from the schema's fields; enums taken as strings, checked by the provider's `check`).
 */
export type ArgsOf<T> = { [K in keyof T]: pulumi.Input<Widen<T[K]>> };

/** The program-side output properties of a resource, derived from its outputs type. */
export type OutputsOf<T> = { readonly [K in keyof T]-?: pulumi.Output<T[K]> };
