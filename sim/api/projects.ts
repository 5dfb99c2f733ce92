import type { SimApp } from "../app";
import { addToEnvironment, DEFAULT_IP_ALLOW_LIST, getEnvironment, removeFromEnvironment, renderEnvironment, type EnvironmentRec } from "../domain/environments";
import { getOwner, ownerObject, requireOwner } from "../domain/owners";
import type { Ctx, Route } from "../http/router";
import { paginate } from "../render/cursor";
import { ApiError, notFound } from "../render/errors";
import { newId } from "../render/ids";
import { sortKeys } from "../render/json";
import { microStamp, nowNs } from "../render/time";
import { listParam, timeFilter } from "./params";

/** A project as stored; its environments point back at it. */
interface ProjectRec {
  id: string;
  name: string;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
}

function getProject(app: SimApp, id: string): ProjectRec {
  const rec = app.store.get<ProjectRec>("project", id);
  if (!rec) throw notFound(id);
  return rec;
}

function envIdsOf(app: SimApp, projectId: string): string[] {
  return app.store.list<EnvironmentRec>("environment", projectId).map((e) => e.id);
}

function renderProject(app: SimApp, p: ProjectRec): Record<string, unknown> {
  return sortKeys({
    createdAt: microStamp(p.createdAt),
    environmentIds: envIdsOf(app, p.id),
    id: p.id,
    name: p.name,
    owner: ownerObject(getOwner(app, p.ownerId)),
    updatedAt: microStamp(p.updatedAt),
  });
}

function newEnvironment(app: SimApp, projectId: string, e: Record<string, any>): EnvironmentRec {
  const now = nowNs().toString();
  const rec: EnvironmentRec = {
    id: newId("environment"),
    name: e.name,
    projectId,
    protectedStatus: e.protectedStatus ?? "unprotected",
    networkIsolationEnabled: e.networkIsolationEnabled ?? false,
    ipAllowList: e.ipAllowList ?? DEFAULT_IP_ALLOW_LIST,
    createdAt: now,
    updatedAt: now,
  };
  app.store.insert("environment", rec.id, rec, projectId);
  return rec;
}

function deleteEnvironment(app: SimApp, env: EnvironmentRec): void {
  const members = app.store.list<{ environmentId: string }>("membership", env.id).map((m) => m.id);
  removeFromEnvironment(app, members);
  app.store.delete("environment", env.id);
}

export function projectRoutes(): Route[] {
  return [
    {
      method: "POST",
      template: "/projects",
      handler: (ctx: Ctx) => {
        const { app } = ctx;
        const b = ctx.body as { name: string; ownerId: string; environments: Array<Record<string, any>> };
        requireOwner(app, b.ownerId);
        if (!b.environments.length) throw new ApiError(400, `invalid value for "environments": a project needs at least one environment`);
        const now = nowNs().toString();
        const p: ProjectRec = { id: newId("project"), name: b.name, ownerId: b.ownerId, createdAt: now, updatedAt: now };
        app.store.insert("project", p.id, p, p.ownerId);
        for (const e of b.environments) newEnvironment(app, p.id, e);
        return { status: 201, body: renderProject(app, p) };
      },
    },
    {
      method: "GET",
      template: "/projects",
      handler: (ctx) => {
        const { app, query } = ctx;
        const names = listParam(query, "name");
        const owners = listParam(query, "ownerId");
        const inTime = timeFilter(query);
        const rows = app.store
          .list<ProjectRec>("project")
          .reverse()
          .filter(({ data: p }) => (!names.length || names.includes(p.name)) && (!owners.length || owners.includes(p.ownerId)) && inTime(p));
        return {
          status: 200,
          body: paginate(
            rows,
            (r) => r.id,
            `projects:${owners.join(",")}`,
            query,
            (cursor, r) => ({ cursor, project: renderProject(app, r.data) }),
          ),
        };
      },
    },
    {
      method: "GET",
      template: "/projects/{projectId}",
      handler: (ctx) => ({ status: 200, body: renderProject(ctx.app, getProject(ctx.app, ctx.params.projectId)) }),
    },
    {
      method: "PATCH",
      template: "/projects/{projectId}",
      handler: (ctx) => {
        const p = getProject(ctx.app, ctx.params.projectId);
        if (ctx.body?.name !== undefined) p.name = ctx.body.name;
        p.updatedAt = nowNs().toString();
        ctx.app.store.put("project", p.id, p);
        return { status: 200, body: renderProject(ctx.app, p) };
      },
    },
    {
      method: "DELETE",
      template: "/projects/{projectId}",
      handler: (ctx) => {
        const p = getProject(ctx.app, ctx.params.projectId);
        for (const e of ctx.app.store.list<EnvironmentRec>("environment", p.id)) {
          if (e.data.protectedStatus === "protected" && ctx.app.store.list("membership", e.id).length) {
            throw new ApiError(409, `environment ${e.id} is protected and still holds resources; move or delete them first`);
          }
        }
        for (const e of ctx.app.store.list<EnvironmentRec>("environment", p.id)) deleteEnvironment(ctx.app, e.data);
        ctx.app.store.delete("project", p.id);
        return { status: 204 };
      },
    },
    {
      method: "POST",
      template: "/environments",
      handler: (ctx) => {
        const p = getProject(ctx.app, ctx.body.projectId);
        const e = newEnvironment(ctx.app, p.id, ctx.body);
        return { status: 201, body: renderEnvironment(ctx.app, e) };
      },
    },
    {
      method: "GET",
      template: "/environments",
      handler: (ctx) => {
        const { app, query } = ctx;
        const projects = listParam(query, "projectId");
        if (!projects.length) throw new ApiError(400, `missing required query parameter "projectId"`);
        const names = listParam(query, "name");
        const ids = listParam(query, "environmentId");
        const inTime = timeFilter(query);
        const rows = app.store
          .list<EnvironmentRec>("environment")
          .filter(
            ({ data: e }) => projects.includes(e.projectId) && (!names.length || names.includes(e.name)) && (!ids.length || ids.includes(e.id)) && inTime(e),
          );
        return {
          status: 200,
          body: paginate(
            rows,
            (r) => r.id,
            `environments:${projects.join(",")}`,
            query,
            (cursor, r) => ({ cursor, environment: renderEnvironment(app, r.data) }),
          ),
        };
      },
    },
    {
      method: "GET",
      template: "/environments/{environmentId}",
      handler: (ctx) => ({ status: 200, body: renderEnvironment(ctx.app, getEnvironment(ctx.app, ctx.params.environmentId)) }),
    },
    {
      method: "PATCH",
      template: "/environments/{environmentId}",
      handler: (ctx) => {
        const e = getEnvironment(ctx.app, ctx.params.environmentId);
        const b = (ctx.body ?? {}) as Record<string, any>;
        for (const k of ["name", "networkIsolationEnabled", "protectedStatus", "ipAllowList"] as const) if (b[k] !== undefined) (e as any)[k] = b[k];
        e.updatedAt = nowNs().toString();
        ctx.app.store.put("environment", e.id, e);
        return { status: 200, body: renderEnvironment(ctx.app, e) };
      },
    },
    {
      method: "DELETE",
      template: "/environments/{environmentId}",
      handler: (ctx) => {
        const e = getEnvironment(ctx.app, ctx.params.environmentId);
        if (e.protectedStatus === "protected" && ctx.app.store.list("membership", e.id).length) {
          throw new ApiError(409, `environment ${e.id} is protected and still holds resources; move or delete them first`);
        }
        deleteEnvironment(ctx.app, e);
        return { status: 204 };
      },
    },
    {
      method: "POST",
      template: "/environments/{environmentId}/resources",
      handler: (ctx) => {
        const e = getEnvironment(ctx.app, ctx.params.environmentId);
        addToEnvironment(ctx.app, e.id, ctx.body.resourceIds);
        // Recorded as 201 (the spec says 200).
        return { status: 201, body: renderEnvironment(ctx.app, e) };
      },
    },
    {
      method: "DELETE",
      template: "/environments/{environmentId}/resources",
      handler: (ctx) => {
        const ids = listParam(ctx.query, "resourceIds");
        if (!ids.length) throw new ApiError(400, `missing required query parameter "resourceIds"`);
        // Recorded quirk: Render also answers 204 when the path holds the resource's own id instead of an evm- id.
        if (ctx.params.environmentId.startsWith("evm-")) getEnvironment(ctx.app, ctx.params.environmentId);
        removeFromEnvironment(ctx.app, ids);
        return { status: 204 };
      },
    },
  ];
}
