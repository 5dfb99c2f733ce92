import type { SimApp } from "../app";
import type { Route } from "../http/router";
import { notFound } from "../render/errors";
import { sortKeys } from "../render/json";
import { enumListParam, listParam, parseLimitOnly } from "./params";

interface LogStreamRec {
  resourceId: string;
  setting: "send" | "drop";
  endpoint: string;
}

/** Ids of resources that can carry a log-stream override (services, Postgres primaries and replicas). */
function resourceExists(app: SimApp, id: string): boolean {
  if (/^(srv|crn)-/.test(id)) return !!app.store.get("service", id);
  if (/^red-/.test(id)) return !!app.store.get("keyValue", id);
  if (/^dpg-/.test(id)) {
    return app.store
      .list<{ id: string; readReplicas: Array<{ id: string }> }>("postgres")
      .some((p) => p.id === id || p.data.readReplicas.some((r) => r.id === id));
  }
  return false;
}

/** The workspace owning a resource that can carry an override. */
function ownerOf(app: SimApp, id: string): string | undefined {
  if (/^(srv|crn)-/.test(id)) return app.store.get<{ ownerId: string }>("service", id)?.ownerId;
  if (/^red-/.test(id)) return app.store.get<{ ownerId: string }>("keyValue", id)?.ownerId;
  const pg = app.store
    .list<{ id: string; ownerId: string; readReplicas: Array<{ id: string }> }>("postgres")
    .find((p) => p.id === id || p.data.readReplicas.some((r) => r.id === id));
  return pg?.data.ownerId;
}

/** Per-resource log-stream overrides; a resource without one answers Render's recorded 404. */
export function logStreamRoutes(): Route[] {
  const one = "/logs/streams/resource/{resourceId}";
  return [
    {
      // Spec: a bare array of overrides (no cursor wrapper), filtered by owner, resource and setting.
      method: "GET",
      template: "/logs/streams/resource",
      handler: (ctx) => {
        const owners = listParam(ctx.query, "ownerId");
        const resources = listParam(ctx.query, "resourceId");
        const settings = enumListParam(ctx.query, "setting", ["send", "drop"]);
        const limit = parseLimitOnly(ctx.query);
        const rows = ctx.app.store
          .list<LogStreamRec>("logStream")
          .filter(({ data: r }) => (!resources.length || resources.includes(r.resourceId)) && (!settings.length || settings.includes(r.setting)))
          .filter(({ data: r }) => !owners.length || owners.includes(ownerOf(ctx.app, r.resourceId) ?? ""));
        return { status: 200, body: rows.slice(0, limit).map((r) => sortKeys(r.data)) };
      },
    },
    {
      method: "GET",
      template: one,
      handler: (ctx) => {
        const rec = ctx.app.store.get<LogStreamRec>("logStream", ctx.params.resourceId);
        if (!rec) throw notFound(ctx.params.resourceId);
        return { status: 200, body: sortKeys(rec) };
      },
    },
    {
      method: "PUT",
      template: one,
      handler: (ctx) => {
        const id = ctx.params.resourceId;
        if (!resourceExists(ctx.app, id)) throw notFound(id);
        const rec: LogStreamRec = { resourceId: id, setting: ctx.body?.setting ?? "send", endpoint: ctx.body?.endpoint ?? "" };
        ctx.app.store.put("logStream", id, rec);
        return { status: 200, body: sortKeys(rec) };
      },
    },
    {
      method: "DELETE",
      template: one,
      handler: (ctx) => {
        if (!ctx.app.store.delete("logStream", ctx.params.resourceId)) throw notFound(ctx.params.resourceId);
        return { status: 204 };
      },
    },
  ];
}
