import { timingSafeEqual } from "node:crypto";
import type http from "node:http";
import type { SimApp } from "../app";
import { environmentOf, type EnvironmentRec } from "../domain/environments";
import { WRITE_ROLES, type Principal } from "../domain/users";
import { ApiError } from "../render/errors";

/** The Bearer token of a request, or "" when there is none. */
export function bearerToken(req: http.IncomingMessage): string {
  return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1]?.trim() ?? "";
}

/** Constant-time comparison, so response timing does not reveal how much of a guessed key was right. */
export function keyMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A resource a request acts on: its id, workspace and project environment (when it is in one). */
interface Target {
  id: string;
  ownerId?: string;
  environment?: EnvironmentRec;
}

/** Path parameters and body fields that name a resource the request acts on (or moves into an environment). */
const PARAM_KEYS = [
  "serviceId",
  "cronJobId",
  "envGroupId",
  "postgresId",
  "keyValueId",
  "redisId",
  "environmentId",
  "projectId",
  "diskId",
  "ownerId",
  "resourceId",
  "webhookId",
  "dedicatedIpId",
];
const BODY_KEYS = ["environmentId", "projectId", "ownerId", "serviceId", "resourceId"];
const BODY_LIST_KEYS = ["resourceIds", "serviceIds", "environmentIds"];

function ownerField(
  app: SimApp,
  kind: "service" | "postgres" | "envGroup" | "keyValue" | "project" | "webhook" | "dedicatedIp",
  id: string,
): string | undefined {
  return app.store.get<{ ownerId?: string }>(kind, id)?.ownerId;
}

/** Workspace and environment of a resource id; undefined when the id names nothing known (the handler answers 404). */
function resolve(app: SimApp, id: string): Target | undefined {
  const inEnv = (ownerId: string | undefined, resourceId: string): Target | undefined => {
    if (!ownerId) return undefined;
    const envId = environmentOf(app, resourceId);
    return { id, ownerId, environment: envId ? app.store.get<EnvironmentRec>("environment", envId) : undefined };
  };
  if (/^(srv|crn)-/.test(id)) return inEnv(ownerField(app, "service", id), id);
  if (/^dpg-/.test(id)) return inEnv(ownerField(app, "postgres", id), id);
  if (/^evg-/.test(id)) return inEnv(ownerField(app, "envGroup", id), id);
  if (/^red-/.test(id)) return inEnv(ownerField(app, "keyValue", id), id);
  if (/^dsk-/.test(id)) {
    const serviceId = app.store.get<{ serviceId: string }>("disk", id)?.serviceId;
    const svc = serviceId ? resolve(app, serviceId) : undefined;
    return svc && { ...svc, id };
  }
  if (/^evm-/.test(id)) {
    const env = app.store.get<EnvironmentRec>("environment", id);
    return env ? { id, ownerId: ownerField(app, "project", env.projectId), environment: env } : undefined;
  }
  if (/^prj-/.test(id)) {
    const ownerId = ownerField(app, "project", id);
    if (!ownerId) return undefined;
    // A project write (rename, delete) reaches every environment in it: the most protected one decides.
    const envs = app.store.list<EnvironmentRec>("environment", id).map((d) => d.data);
    return { id, ownerId, environment: envs.find((e) => e.protectedStatus === "protected") ?? envs[0] };
  }
  if (/^tea-/.test(id)) return app.store.get("owner", id) ? { id, ownerId: id } : undefined;
  for (const kind of ["webhook", "dedicatedIp"] as const) {
    const ownerId = ownerField(app, kind, id);
    if (ownerId) return { id, ownerId };
  }
  return undefined;
}

/** Every resource id a request names in its path, query (`resourceIds`) or body. */
function namedIds(params: Record<string, string>, query: URLSearchParams, body: unknown): string[] {
  const ids = new Set<string>();
  for (const k of PARAM_KEYS) if (typeof params[k] === "string" && params[k]) ids.add(params[k]);
  for (const v of query.getAll("resourceIds")) for (const id of v.split(",")) if (id) ids.add(id);
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    for (const k of BODY_KEYS) if (typeof b[k] === "string" && b[k]) ids.add(b[k] as string);
    for (const k of BODY_LIST_KEYS) if (Array.isArray(b[k])) for (const v of b[k] as unknown[]) if (typeof v === "string" && v) ids.add(v);
  }
  return [...ids];
}

/** True when a body asks for an environment's protection to be set or changed (projects carry environments). */
function setsProtection(body: unknown): boolean {
  if (!body || typeof body !== "object" || Array.isArray(body)) return false;
  const b = body as { protectedStatus?: unknown; environments?: unknown };
  if (b.protectedStatus !== undefined) return true;
  return (
    Array.isArray(b.environments) &&
    b.environments.some((e) => e && typeof e === "object" && (e as { protectedStatus?: unknown }).protectedStatus === "protected")
  );
}

/**
 * Render's access control for a request, before its handler runs: reads are open to every member; changes need a
 * role that may change resources (Admin, Developer, Contributor; not Viewer or Billing) in the resource's workspace;
 * and a change to anything in a **protected** environment (the resource itself, moving resources into or out of
 * it, an env group or service linked from it, the environment or its project), or setting an environment's
 * protection, needs the Admin role. A workspace the key's user is not a member of is answered like an unknown id
 * (404), as Render does for resources a key cannot see. Refusals are Render's `403` with `{"message": …}` (the
 * spec's `403Forbidden`, schema `error`).
 */
export function authorize(app: SimApp, principal: Principal, method: string, params: Record<string, string>, query: URLSearchParams, body: unknown): void {
  if (method === "GET" || method === "HEAD") return;
  const targets = namedIds(params, query, body)
    .map((id) => resolve(app, id))
    .filter((t): t is Target => t !== undefined);
  if (!targets.length) {
    // Nothing to place in a workspace (an unknown id is the handler's 404): a read-only user still changes nothing.
    if (![...principal.roles.values()].some((r) => WRITE_ROLES.has(r)))
      throw forbidden(`the API key's user (${principal.user.id}) has no role that may change resources`);
    return;
  }
  const protection = setsProtection(body);
  for (const t of targets) {
    const role = t.ownerId ? principal.roles.get(t.ownerId) : undefined;
    if (!role) throw new ApiError(404, `not found: ${t.id}`);
    if (!WRITE_ROLES.has(role))
      throw forbidden(`the API key's user (${principal.user.id}) has the role ${role} in workspace ${t.ownerId}, which cannot change resources`);
    if (role === "ADMIN") continue;
    if (t.environment?.protectedStatus === "protected") {
      throw forbidden(
        `${t.id} is in the protected environment ${t.environment.id} (${JSON.stringify(t.environment.name)}): only workspace Admins may change resources in a protected environment, and the API key's user (${principal.user.id}) is ${role}`,
      );
    }
    if (protection) throw forbidden(`only workspace Admins may set an environment's protectedStatus; the API key's user (${principal.user.id}) is ${role}`);
  }
}

function forbidden(message: string): ApiError {
  return new ApiError(403, message);
}
