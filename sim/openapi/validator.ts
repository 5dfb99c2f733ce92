import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { ApiError } from "../render/errors";

/**
 * Validation against Render's published OpenAPI document (a copy of `render-api/openapi.json` ships here so the
 * simulator does not depend on files outside the repository). `oneOf` becomes `anyOf`: Render's own recorded
 * payloads match several branches of its `oneOf`s (e.g. `{buildCommand,startCommand}` is both a docker and a native
 * `envSpecificDetails`), so a strict `oneOf` would reject traffic Render accepts.
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const SPEC = loosen(require("./render-openapi.json")) as Record<string, unknown>;
const SPEC_ID = "render-openapi";

function loosen(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(loosen);
  if (!node || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === "discriminator" || k === "example" || k === "examples") continue;
    out[k === "oneOf" ? "anyOf" : k] = loosen(v);
  }
  return out;
}

let ajv: Ajv | undefined;
const cache = new Map<string, ValidateFunction | null>();

/** The shared Ajv instance holding the spec under the id `render-openapi`. */
export function specAjv(): Ajv {
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

/** A compiled validator for a JSON pointer inside the spec, or null when nothing is there. */
export function validatorAt(path: string[]): ValidateFunction | null {
  const key = path.join("\u0000");
  if (!cache.has(key)) {
    let node: any = SPEC;
    for (const p of path) node = node?.[p];
    cache.set(key, node === undefined ? null : specAjv().compile({ $ref: `${SPEC_ID}#/${pointer(...path)}` }));
  }
  return cache.get(key)!;
}

/** The request-body validator of an operation, or null when it takes no JSON body. */
export function requestBodyValidator(method: string, template: string): ValidateFunction | null {
  return validatorAt(["paths", template, method.toLowerCase(), "requestBody", "content", "application/json", "schema"]);
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

/** Validates `value` or throws Render's 400 naming the field. */
export function check(validate: ValidateFunction | null, value: unknown, prefix = ""): void {
  if (validate && !validate(value)) throw new ApiError(400, describeErrors(validate.errors ?? [], prefix));
}
