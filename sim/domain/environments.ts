import type { SimApp } from "../app";
import { notFound } from "../render/errors";
import { sortKeys } from "../render/json";

/** A project environment as stored. */
export interface EnvironmentRec {
  id: string;
  name: string;
  projectId: string;
  protectedStatus: "protected" | "unprotected";
  networkIsolationEnabled: boolean;
  ipAllowList: Array<{ cidrBlock: string; description: string }>;
  createdAt: string;
  updatedAt: string;
}

/** Render's default environment IP allow list (recorded in 2026). */
export const DEFAULT_IP_ALLOW_LIST = [{ cidrBlock: "0.0.0.0/0", description: "everywhere" }];

export function getEnvironment(app: SimApp, id: string): EnvironmentRec {
  const rec = app.store.get<EnvironmentRec>("environment", id);
  if (!rec) throw notFound(id);
  return rec;
}

/** The environment a resource belongs to, if any (a resource is in at most one). */
export function environmentOf(app: SimApp, resourceId: string): string | undefined {
  return app.store.get<{ environmentId: string }>("membership", resourceId)?.environmentId;
}

/** Resource ids that can be moved between environments, and the ids that move with them (Postgres replicas). */
function withCompanions(app: SimApp, resourceId: string): string[] {
  if (/^dpg-.*-a$/.test(resourceId)) {
    const pg = app.store.get<{ readReplicas: Array<{ id: string }> }>("postgres", resourceId);
    return [...(pg?.readReplicas ?? []).map((r) => r.id), resourceId];
  }
  return [resourceId];
}

function resourceExists(app: SimApp, id: string): boolean {
  if (/^(srv|crn)-/.test(id)) return app.store.get("service", id) !== undefined;
  if (/^dpg-.*-a$/.test(id)) return app.store.get("postgres", id) !== undefined;
  if (/^evg-/.test(id)) return app.store.get("envGroup", id) !== undefined;
  if (/^red-/.test(id)) return app.store.get("keyValue", id) !== undefined;
  return false;
}

/** Moves resources into an environment (out of any other), as `POST /environments/{id}/resources` does. */
export function addToEnvironment(app: SimApp, environmentId: string, resourceIds: string[]): void {
  for (const id of resourceIds) {
    if (!resourceExists(app, id)) throw notFound(id);
    for (const member of withCompanions(app, id)) app.store.insert("membership", member, { environmentId }, environmentId);
  }
}

/** Takes resources out of whatever environment holds them. */
export function removeFromEnvironment(app: SimApp, resourceIds: string[]): void {
  for (const id of resourceIds) for (const member of withCompanions(app, id)) app.store.delete("membership", member);
}

/** The environment as Render shows it; empty id lists are `null`, and `databasesIds` is spelled as recorded. */
export function renderEnvironment(app: SimApp, rec: EnvironmentRec): Record<string, unknown> {
  const members = app.store.list<{ environmentId: string }>("membership", rec.id).map((m) => m.id);
  const pick = (re: RegExp) => {
    const ids = members.filter((m) => re.test(m));
    return ids.length ? ids : null;
  };
  return sortKeys({
    databasesIds: pick(/^dpg-/),
    envGroupIds: pick(/^evg-/),
    id: rec.id,
    ipAllowList: rec.ipAllowList,
    name: rec.name,
    networkIsolationEnabled: rec.networkIsolationEnabled,
    projectId: rec.projectId,
    protectedStatus: rec.protectedStatus,
    redisIds: pick(/^red-/),
    serviceIds: pick(/^(srv|crn)-/),
  });
}
