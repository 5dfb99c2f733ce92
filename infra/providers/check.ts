import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/**
 * Turns zod issues into Pulumi check failures: one per field, naming the resource (by its Render name), the field
 * and the fix. The engine prints them against the resource's URN and stops before any API call.
 */

/** Fields whose values must never be echoed in a failure. */
const SECRET_FIELDS = new Set(["values", "files", "envVars", "secretFiles", "connectionInfo"]);

function describe(issue: z.core.$ZodIssue, label: string): string {
  const field = issue.path.join(".");
  const secret = issue.path.some((p) => SECRET_FIELDS.has(String(p)));
  // zod reports a bad record key as "Invalid key in record"; the rule's own message is in the nested issues.
  const base = issue.code === "invalid_key" ? issue.issues.map((i) => i.message).join("; ") : issue.message;
  const fix = (() => {
    switch (issue.code) {
      case "invalid_value":
        return `use one of: ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
      case "too_small":
        return `use a value of at least ${String(issue.minimum)}`;
      case "too_big":
        return `use a value of at most ${String(issue.maximum)}`;
      case "invalid_type":
        return `set it to a ${issue.expected}`;
      case "unrecognized_keys":
        return `remove ${issue.keys.join(", ")} (not a field of this resource)`;
      default:
        return "";
    }
  })();
  const msg = secret ? base.replace(/"[^"]*"/g, '"…"') : base;
  return `${label}: ${field || "(inputs)"}: ${msg}${fix && !msg.includes(fix) ? `; ${fix}` : ""}`;
}

/**
 * The value a dynamic provider's `check` sees for an input that is not known yet (during preview, e.g. the id of a
 * service still to be created). It must never be reported as invalid: it will be checked again once known.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function valueAt(obj: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = obj;
  for (const p of path) v = v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

function involvesUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(involvesUnknown);
  if (v && typeof v === "object") return Object.values(v).some(involvesUnknown);
  return false;
}

/** Copy of `v` without unknown values (object keys dropped, array items left undefined). */
function withoutUnknowns(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === UNKNOWN ? undefined : withoutUnknowns(x)));
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== UNKNOWN)
        .map(([k, x]) => [k, withoutUnknowns(x)]),
    );
  }
  return v;
}

/** The schema a wrapper (optional, default, nullable, readonly…) applies to a present value. */
function innerOf(schema: z.ZodType): z.ZodType | undefined {
  const def = (schema as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def;
  return def.innerType;
}

/**
 * Best-effort parse of a value that holds unknowns, field by field: every known field is parsed by its own schema
 * (defaults, trims, lower-casing applied), a missing field gets its default, an unknown value stays unknown, and a
 * `.transform` at the end of the schema runs on the result. Object-level rules (`superRefine`) do not run: they are
 * checked again once every value is known. Anything that does not parse is kept as given.
 */
function parsePartially(schema: z.ZodType, value: unknown): unknown {
  if (value === UNKNOWN) return value;
  if (!involvesUnknown(value)) {
    const r = schema.safeParse(value);
    return r.success ? r.data : value;
  }
  if (schema instanceof z.ZodPipe) {
    const input = parsePartially(schema._zod.def.in as z.ZodType, value);
    const out = schema._zod.def.out as z.ZodType;
    if (!(out instanceof z.ZodTransform)) return input;
    const r = out.safeParse(input);
    return r.success ? r.data : input;
  }
  const inner = innerOf(schema);
  if (inner) return parsePartially(inner, value);
  if (schema instanceof z.ZodObject && value && typeof value === "object" && !Array.isArray(value)) {
    const given = value as Record<string, unknown>;
    const out: Record<string, unknown> = { ...given };
    for (const [k, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      if (k in given && given[k] !== undefined) out[k] = parsePartially(field, given[k]);
      else {
        const d = field.safeParse(undefined); // the field's default, if it has one
        if (d.success && d.data !== undefined) out[k] = d.data;
      }
    }
    return out;
  }
  if (schema instanceof z.ZodRecord && value && typeof value === "object" && !Array.isArray(value)) {
    const valueType = schema._zod.def.valueType as z.ZodType;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, parsePartially(valueType, v)]));
  }
  if (schema instanceof z.ZodArray && Array.isArray(value)) return value.map((v) => parsePartially(schema._zod.def.element as z.ZodType, v));
  return value;
}

/**
 * Validates `news` with `schema`; returns the parsed inputs (defaults applied) or the failures.
 *
 * Unknown values (preview) are not failures: the inputs are validated without them, so defaults still apply and a
 * preview of an update does not show a spurious change on a defaulted field; failures about an unknown field are
 * dropped; the unknown fields are put back so the engine keeps treating them as unknown.
 *
 * When a required field is unknown (a resource whose `serviceId` comes from a service still to be created), the whole
 * schema cannot pass, so the inputs are parsed field by field instead ({@link parsePartially}): defaults and
 * normalisations still apply. This matters for `pulumi up --plan`: the plan records the inputs `check` returned at
 * preview, and the up compares them with what `check` returns then; a default present only at up (CustomDomain's
 * `verify`, EnvVars' `unmanagedKeys`) is a plan violation ("properties changed: =+verify[{true}]").
 */
export function checkWith<T>(kind: string, schema: z.ZodType<T>, news: Record<string, unknown>): pulumi.dynamic.CheckResult<T> {
  const { __provider, ...rest } = news;
  const name = typeof rest.name === "string" && rest.name !== UNKNOWN ? ` "${rest.name}"` : "";
  const label = `${kind}${name}`;
  const hasUnknown = involvesUnknown(rest);
  const parsed = schema.safeParse(hasUnknown ? withoutUnknowns(rest) : rest);
  const provider = __provider !== undefined ? { __provider } : {};
  if (parsed.success) {
    const restored = hasUnknown ? Object.fromEntries(Object.entries(rest).filter(([, v]) => involvesUnknown(v))) : {};
    return { inputs: { ...(parsed.data as object), ...restored, ...provider } as T, failures: [] };
  }
  const real = parsed.error.issues.filter((i) => !(hasUnknown && (i.path.length === 0 || involvesUnknown(valueAt(rest, i.path)))));
  if (hasUnknown && real.length === 0) {
    const partial = parsePartially(schema as z.ZodType, rest) as Record<string, unknown>;
    // An unknown field a transform replaced with a known value stays unknown: it is only known once its input is.
    const restored = Object.fromEntries(Object.entries(rest).filter(([k, v]) => involvesUnknown(v) && !involvesUnknown(partial[k])));
    return { inputs: { ...partial, ...restored, ...provider } as T, failures: [] };
  }
  return {
    inputs: news as unknown as T,
    failures: real.map((i) => ({ property: String(i.path[0] ?? ""), reason: describe(i, label) })),
  };
}

/**
 * The marker a resource class computes on the program side: whether each secret-bearing input arrived as a Pulumi
 * secret. Needed because the engine strips secret markers before calling a dynamic provider, so `check` cannot see
 * them itself.
 */
export const secretMarkerSchema = z.record(z.string(), z.boolean()).optional();

/** Adds a failure per secret-bearing field that was given in plain text. */
export function requireSecret(ctx: z.RefinementCtx, marker: Record<string, boolean> | undefined, field: string): void {
  if (marker && marker[field] === false) {
    ctx.addIssue({
      code: "custom",
      path: [field],
      message: `must be a Pulumi secret, but was given in plain text; wrap it with pulumi.secret(...) or read it with config.requireSecret(...)`,
    });
  }
}
