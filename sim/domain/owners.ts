import type { OverlappingDeployPolicy, SimApp } from "../app";
import { ApiError, notFound } from "../render/errors";

/** A workspace (Render calls them owners; every one here is a team). */
export interface OwnerRec {
  id: string;
  name: string;
  email: string;
  type: "team" | "user";
  /** Simulator-only workspace setting (Render's dashboard setting has no API). */
  overlappingDeployPolicy?: OverlappingDeployPolicy;
}

export function getOwner(app: SimApp, id: string): OwnerRec {
  const rec = app.store.get<OwnerRec>("owner", id);
  if (!rec) throw notFound(id);
  return rec;
}

/** Validates a request's `ownerId` (Render answers 404 for workspaces the key cannot see). */
export function requireOwner(app: SimApp, id: string, field = "ownerId"): OwnerRec {
  if (!id) throw new ApiError(400, `missing required field "${field}"`);
  return getOwner(app, id);
}

/** The owner object embedded in projects and databases. */
export function ownerObject(rec: OwnerRec): Record<string, string> {
  return { email: rec.email, id: rec.id, name: rec.name, type: rec.type };
}

export function deployPolicyOf(app: SimApp, ownerId: string): OverlappingDeployPolicy {
  return app.store.get<OwnerRec>("owner", ownerId)?.overlappingDeployPolicy ?? app.options.overlappingDeployPolicy;
}
