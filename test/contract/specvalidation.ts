import { allRoutes } from "../../sim/api";
import { Router } from "../../sim/http/router";
import type { ErrorObject } from "ajv";
import { describeErrors, requestBodyValidator, responseValidator, spec } from "../../sim/openapi/validator";

const router = new Router();
router.add(allRoutes());

/**
 * Statuses where Render's recorded answer differs from its own OpenAPI document; the simulator follows the
 * recording and its body is checked against the spec's documented success schema instead.
 */
export const STATUS_DEVIATIONS: Record<string, string> = {
  "POST /environments/{environmentId}/resources 201": "recorded 201 (5 of 5); the spec documents 200 with the same body",
};

/**
 * Operations Render serves that the May-2026 OpenAPI file lacks (render-api/endpoints.md lists them from Render's
 * Aug-2026 SDK schema). There is no schema to validate against; their contract tests check the recorded shapes.
 */
export const NEWER_OPERATIONS: ReadonlySet<string> = new Set([
  "GET /dedicated-ips",
  "POST /dedicated-ips",
  "GET /dedicated-ips/{dedicatedIpId}",
  "PATCH /dedicated-ips/{dedicatedIpId}",
  "DELETE /dedicated-ips/{dedicatedIpId}",
]);

/**
 * Places where Render's recorded answers break its own OpenAPI document. The simulator follows the recordings;
 * these (and only these) schema errors are accepted, each with the evidence.
 */
export const SPEC_DEVIATIONS: Array<{ test: (e: ErrorObject, data: unknown) => boolean; reason: string }> = [
  {
    test: (e, d) => e.keyword === "type" && d === null && /\/(databasesIds|envGroupIds|redisIds|serviceIds)$/.test(e.instancePath),
    reason: "environments: Render sends null, not [], for empty id lists (every recording; cassette-notes §3)",
  },
  {
    test: (e, d) => e.keyword === "type" && d === null && /^(\/\d+\/deploy)?\/(commit|finishedAt)$/.test(e.instancePath),
    reason: 'deploys: Render sends "commit": null for image deploys and "finishedAt": null until done (recorded)',
  },
  {
    test: (e, d) => e.keyword === "type" && d === null && /^(\/\d+\/(postgres|keyValue|redis))?\/ipAllowList$/.test(e.instancePath),
    reason: "postgres, key value, redis: an empty IP allow list comes back as null (recorded on create, read and PATCH)",
  },
  {
    test: (e, d) => e.keyword === "type" && d === null && /^(\/\d+\/webhook)?\/eventFilter$/.test(e.instancePath),
    reason: "webhooks: an empty event filter comes back as null (recorded: {enabled, eventFilter: null, id, name, secret, url})",
  },
  {
    test: (e) => e.keyword === "required" && (e.params as { missingProperty?: string }).missingProperty === "project",
    reason: "postgres: the spec requires a `project` it never defines; no recorded Postgres object carries one",
  },
];

function dataAt(body: unknown, pointer: string): unknown {
  return pointer
    .split("/")
    .slice(1)
    .reduce<unknown>((n, p) => (n && typeof n === "object" ? (n as Record<string, unknown>)[p.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined), body);
}

/** The OpenAPI template of a simulator path, e.g. `/services/{serviceId}`. */
export function templateOf(method: string, path: string): string | undefined {
  const m = router.match(method, path);
  return m && m !== "method" ? m.route.template : undefined;
}

/**
 * Validates a simulator response against Render's OpenAPI document. Returns problems (empty when valid, or when
 * the spec has no JSON schema for that answer, e.g. a 204).
 */
export function validateAgainstSpec(method: string, path: string, status: number, body: unknown): string[] {
  const template = templateOf(method, path);
  if (!template) return [`${method} ${path}: no simulator route`];
  if (body === undefined || NEWER_OPERATIONS.has(`${method} ${template}`)) return [];
  let v = responseValidator(method, template, status);
  if (!v && STATUS_DEVIATIONS[`${method} ${template} ${status}`]) {
    const op = spec().paths[template]?.[method.toLowerCase()];
    const ok = Object.keys(op?.responses ?? {}).find((s) => /^2/.test(s));
    v = ok ? responseValidator(method, template, Number(ok)) : null;
  }
  if (!v) return status >= 400 ? [] : [`${method} ${template} ${status}: the spec defines no JSON body for this status`];
  if (v(body)) return [];
  const real = (v.errors ?? []).filter(
    (e) => !["anyOf", "oneOf", "allOf", "if"].includes(e.keyword) && !SPEC_DEVIATIONS.some((d) => d.test(e, dataAt(body, e.instancePath))),
  );
  return real.length ? [`${method} ${template} ${status}: ${describeErrors(real)}`] : [];
}

let warmed = false;

/**
 * Compiles every request and response validator of the simulator's routes up front, so a replay is not delayed
 * (and its timeline not skewed) by Ajv compiling a large schema in the middle of a cassette.
 */
export function warmUpValidators(): void {
  if (warmed) return;
  warmed = true;
  for (const r of allRoutes()) {
    requestBodyValidator(r.method, r.template);
    const op = spec().paths[r.template]?.[r.method.toLowerCase()];
    for (const status of Object.keys(op?.responses ?? {})) if (/^\d+$/.test(status)) responseValidator(r.method, r.template, Number(status));
  }
}
