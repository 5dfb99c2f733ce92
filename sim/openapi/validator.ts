import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { ApiError } from "../render/errors";

/**
 * Validation against Render's published OpenAPI document (a copy of `render-api/openapi.json` ships here so the
 * simulator does not depend on files outside the repository). `oneOf` becomes `anyOf`: Render's own recorded
 * payloads match several branches of its `oneOf`s (e.g. `{buildCommand,startCommand}` is both a docker and a native
 * `envSpecificDetails`), so a strict `oneOf` would reject traffic Render accepts.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- an `import` would type the 560 kB spec as a literal on every type-check
const SPEC = loosen(require("./render-openapi.json")) as Record<string, unknown>;
const SPEC_ID = "render-openapi";

function loosen(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(loosen);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === "discriminator" || k === "example" || k === "examples") continue;
    // Pointers through a renamed `oneOf` must follow it.
    if (k === "$ref" && typeof v === "string") out[k] = v.replace(/\/oneOf\//g, "/anyOf/");
    else out[k === "oneOf" ? "anyOf" : k] = loosen(v);
  }
  return out;
}

let ajv: Ajv | undefined;
const cache = new Map<string, ValidateFunction | null>();

/** The shared Ajv instance holding the spec under the id `render-openapi`. */
function specAjv(): Ajv {
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true, logger: false, allowUnionTypes: true });
    addFormats(ajv);
    for (const f of ["password", "binary", "int32", "int64", "float", "double", "byte"]) ajv.addFormat(f, true);
    ajv.addSchema(SPEC, SPEC_ID);
  }
  return ajv;
}

function pointer(...parts: string[]): string {
  return parts.map((p) => encodeURIComponent(p.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/");
}

/** The raw spec (loosened), for tests that walk its operations. */
export function spec(): Record<string, any> {
  return SPEC as Record<string, any>;
}

/** Walks `path` through the spec, following `$ref`s on the way (responses often point at other responses). */
function resolvePath(path: string[]): string[] | undefined {
  let node: any = SPEC;
  let at: string[] = [];
  const follow = () => {
    for (let hops = 0; node && typeof node.$ref === "string" && node.$ref.startsWith("#/") && hops < 10; hops++) {
      at = node.$ref
        .slice(2)
        .split("/")
        .map((p: string) => decodeURIComponent(p).replace(/~1/g, "/").replace(/~0/g, "~"));
      node = at.reduce((n: any, p: string) => n?.[p], SPEC);
    }
  };
  for (const p of path) {
    follow();
    node = node?.[p];
    at = [...at, p];
    if (node === undefined) return undefined;
  }
  return at;
}

/** A compiled validator for a JSON pointer inside the spec, or null when nothing is there. */
function validatorAt(path: string[]): ValidateFunction | null {
  const key = path.join("\u0000");
  if (!cache.has(key)) {
    const resolved = resolvePath(path);
    cache.set(key, resolved === undefined ? null : specAjv().compile({ $ref: `${SPEC_ID}#/${pointer(...resolved)}` }));
  }
  return cache.get(key)!;
}

/** The request-body validator of an operation, or null when it takes no JSON body. */
export function requestBodyValidator(method: string, template: string): ValidateFunction | null {
  return validatorAt(["paths", template, method.toLowerCase(), "requestBody", "content", "application/json", "schema"]);
}

/** The request-body schema of an operation (its `$ref`s followed), or undefined when it takes no JSON body. */
export function requestBodySchema(method: string, template: string): Record<string, any> | undefined {
  const at = resolvePath(["paths", template, method.toLowerCase(), "requestBody", "content", "application/json", "schema"]);
  const node = deref(at?.reduce((n: any, p: string) => n?.[p], SPEC));
  return node && typeof node === "object" ? (node as Record<string, any>) : undefined;
}

/**
 * The request-body checks every operation gets before its handler runs, whatever its own validation: a body that
 * is absent or JSON `null` counts as `{}` (Go decodes it into a zero struct, so Render reports the required fields
 * as missing), and an object schema takes only a JSON object. Throws Render's 400 naming the field.
 */
export function checkBodyShape(method: string, template: string, body: unknown): void {
  const schema = requestBodySchema(method, template);
  if (!schema) return;
  const isObject = body !== null && typeof body === "object" && !Array.isArray(body);
  if (schema.type === "object" || (schema.type === undefined && schema.properties)) {
    if (body !== undefined && !isObject) throw new ApiError(400, `invalid type for "body": must be a JSON object`);
    const required: unknown = schema.required;
    if (body === undefined && Array.isArray(required) && required.length) {
      throw new ApiError(400, `missing request body: send a JSON object with ${required.map((f) => JSON.stringify(f)).join(", ")}`);
    }
  } else if (schema.type === "array" && body !== undefined && !Array.isArray(body)) {
    throw new ApiError(400, `invalid type for "body": must be a JSON array`);
  }
}

/** Follows `$ref`s from a schema node (to the schema they point at). */
export function deref(node: any): any {
  for (let hops = 0; node && typeof node.$ref === "string" && node.$ref.startsWith("#/") && hops < 10; hops++) {
    node = node.$ref
      .slice(2)
      .split("/")
      .map((p: string) => decodeURIComponent(p).replace(/~1/g, "/").replace(/~0/g, "~"))
      .reduce((n: any, p: string) => n?.[p], SPEC);
  }
  return node;
}

/** Go's zero value for a schema: "" / 0 / false / [] / an object holding its required fields' zero values. */
function zeroValue(schema: any, depth = 0): unknown {
  const s = deref(schema);
  switch (s?.type) {
    case "string":
      return "";
    case "integer":
    case "number":
      return 0;
    case "boolean":
      return false;
    case "array":
      return [];
    default: {
      const out: Record<string, unknown> = {};
      if (depth < 8 && s?.properties && Array.isArray(s.required)) for (const k of s.required) out[k] = zeroValue(s.properties[k], depth + 1);
      return out;
    }
  }
}

/**
 * Required fields the client sent as `null` get Go's zero value (as Render's Go decoder leaves them), so a handler
 * sees `""` / `0` / `false` and answers 400 or 404 for it instead of tripping over `undefined`. Walks the
 * operation's plain `properties` (not the branches of an `anyOf`); returns the body it was given, filled in place.
 */
export function zeroFillNulls(method: string, template: string, body: unknown, nulls: ReadonlySet<string>): unknown {
  if (!nulls.size) return body;
  const fill = (schema: any, value: unknown, at: string, depth: number): void => {
    const s = deref(schema);
    if (depth > 8 || !value || typeof value !== "object") return;
    if (Array.isArray(value)) {
      if (s?.items) value.forEach((v, i) => fill(s.items, v, `${at}/${i}`, depth + 1));
      return;
    }
    if (!s?.properties) return;
    const obj = value as Record<string, unknown>;
    for (const [k, sub] of Object.entries(s.properties as Record<string, unknown>)) {
      const p = `${at}/${k}`;
      if (obj[k] === undefined && nulls.has(p) && Array.isArray(s.required) && s.required.includes(k)) obj[k] = zeroValue(sub, depth + 1);
      else fill(sub, obj[k], p, depth + 1);
    }
  };
  fill(requestBodySchema(method, template), body, "", 0);
  return body;
}

/** The validator of an operation's JSON response for `status`, or null when the spec defines none. */
export function responseValidator(method: string, template: string, status: number): ValidateFunction | null {
  return validatorAt(["paths", template, method.toLowerCase(), "responses", String(status), "content", "application/json", "schema"]);
}

/** A component schema validator, e.g. `webServiceDetailsPOST`. */
export function componentValidator(name: string): ValidateFunction | null {
  return validatorAt(["components", "schemas", name]);
}

/** Go's JSON decoder treats `null` as "absent"; Render's API (Go) does too, so nulls are dropped before validation. */
export function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== null).map(dropNulls);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (v !== null) out[k] = dropNulls(v);
    return out;
  }
  return value;
}

function fieldName(instancePath: string, prefix: string): string {
  const path = instancePath
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join("");
  const full = `${prefix}${path}`.replace(/^\./, "");
  return full || "body";
}

/** One readable sentence naming the failing field and the fix, from Ajv's errors (the most specific one wins). */
export function describeErrors(errors: ErrorObject[], prefix = ""): string {
  const depth = (e: ErrorObject) => e.instancePath.split("/").length + (e.keyword === "required" ? 1 : 0);
  const relevant = errors.filter((e) => !["anyOf", "oneOf", "if", "allOf"].includes(e.keyword));
  const best = (relevant.length ? relevant : errors).reduce((a, b) => (depth(b) > depth(a) ? b : a));
  const field = fieldName(best.instancePath, prefix);
  const p = best.params as Record<string, unknown>;
  switch (best.keyword) {
    case "required":
      return `missing required field ${JSON.stringify(fieldName(`${best.instancePath}/${String(p.missingProperty)}`, prefix))}`;
    case "enum":
      return `invalid value for ${JSON.stringify(field)}: must be one of ${(p.allowedValues as unknown[]).map(String).join(", ")}`;
    case "type":
      return `invalid type for ${JSON.stringify(field)}: must be ${String(p.type)}`;
    default:
      return `invalid value for ${JSON.stringify(field)}: ${best.message ?? "is invalid"}`;
  }
}

/**
 * Validates `value` or throws Render's 400 naming the field. `nulls` holds the JSON pointers (from the body root;
 * `base` is where `value` sits) of fields the client sent as `null`: Go decodes those to zero values, so Render
 * does not report them as missing.
 */
export function check(validate: ValidateFunction | null, value: unknown, prefix = "", nulls?: ReadonlySet<string>, base = ""): void {
  if (!validate || validate(value)) return;
  const errors = (validate.errors ?? []).filter(
    (e) => !(e.keyword === "required" && nulls?.has(`${base}${e.instancePath}/${String((e.params as { missingProperty?: string }).missingProperty)}`)),
  );
  if (errors.every((e) => ["anyOf", "oneOf", "allOf", "if"].includes(e.keyword))) {
    if (errors.length === 0) return;
  }
  throw new ApiError(400, describeErrors(errors.length ? errors : (validate.errors ?? []), prefix));
}

/** JSON pointers of every `null` in a request body. */
export function nullPaths(value: unknown, at = "", out = new Set<string>()): Set<string> {
  if (value === null) out.add(at);
  else if (Array.isArray(value)) value.forEach((v, i) => nullPaths(v, `${at}/${i}`, out));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) nullPaths(v, `${at}/${k}`, out);
  return out;
}
