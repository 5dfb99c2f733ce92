import type { SimApp } from "../app";
import type { Route } from "../http/router";
import { notFound } from "../render/errors";
import { sortKeys } from "../render/json";

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
    return app.store.list<{ id: string; readReplicas: Array<{ id: string }> }>("postgres").some((p) => p.id === id || p.data.readReplicas.some((r) => r.id === id));
  }
  return false;
}

/** Per-resource log-stream overrides; a resource without one answers Render's recorded 404. */
export function logStreamRoutes(): Route[] {
  const one = "/logs/streams/resource/{resourceId}";
  return [
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
