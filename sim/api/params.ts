import { parseLimit } from "../render/cursor";
import { ApiError } from "../render/errors";
import { microStamp } from "../render/time";

/** Values of an array query parameter: repeated (`?type=a&type=b`) or comma-separated (`?type=a,b`). */
export function listParam(query: URLSearchParams, name: string): string[] {
  return query
    .getAll(name)
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** An enum-valued array query parameter, rejecting unknown values with Render's 400. */
export function enumListParam(query: URLSearchParams, name: string, allowed: readonly string[]): string[] {
  const values = listParam(query, name);
  for (const v of values) {
    if (!allowed.includes(v)) throw new ApiError(400, `invalid value for query parameter "${name}": ${JSON.stringify(v)} is not one of ${allowed.join(", ")}`);
  }
  return values;
}

/** A boolean query parameter (`true` / `false`), or `fallback` when absent. */
export function boolParam(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const v = query.get(name);
  if (v === null || v === "") return fallback;
  if (v === "true") return true;
  if (v === "false") return false;
  throw new ApiError(400, `invalid value for query parameter "${name}": must be true or false`);
}

/** An RFC 3339 time query parameter as epoch ms, or undefined when absent. */
export function timeParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === "") return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new ApiError(400, `invalid value for query parameter "${name}": ${JSON.stringify(v)} is not an RFC 3339 time`);
  return t;
}

/** Applies `createdBefore/After`, `updatedBefore/After` filters to records with nanosecond timestamps. */
export function timeFilter(query: URLSearchParams): (rec: { createdAt: string; updatedAt?: string }) => boolean {
  const cb = timeParam(query, "createdBefore");
  const ca = timeParam(query, "createdAfter");
  const ub = timeParam(query, "updatedBefore");
  const ua = timeParam(query, "updatedAfter");
  return (rec) => {
    const c = Date.parse(microStamp(rec.createdAt));
    const u = Date.parse(microStamp(rec.updatedAt ?? rec.createdAt));
    return (cb === undefined || c < cb) && (ca === undefined || c > ca) && (ub === undefined || u < ub) && (ua === undefined || u > ua);
  };
}

/** `limit` for lists without cursor wrappers (env groups). */
export function parseLimitOnly(query: URLSearchParams): number {
  return parseLimit(query.get("limit") ?? undefined);
}

/** Render's regions (`components.schemas.region` of openapi.json). */
const REGIONS = ["frankfurt", "oregon", "ohio", "singapore", "virginia"] as const;

/**
 * The region of a create body: Render's default `oregon` when absent, Render's 400 for one it does not have (the
 * spec types the request field as a plain string but answers only these).
 */
export function regionField(value: unknown): string {
  if (value === undefined || value === "") return "oregon";
  if (typeof value !== "string" || !(REGIONS as readonly string[]).includes(value)) {
    throw new ApiError(400, `invalid value for "region": must be one of ${REGIONS.join(", ")}`);
  }
  return value;
}
