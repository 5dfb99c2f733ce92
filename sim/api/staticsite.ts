import { getService } from "../domain/services";
import type { Ctx, Route } from "../http/router";
import { paginate } from "../render/cursor";
import { ApiError, notFound } from "../render/errors";
import { newId } from "../render/ids";
import { sortKeys } from "../render/json";

/** Static-site header and redirect/rewrite rules; `PUT` replaces the whole list with new ids (as recorded). */
type Kind = "header" | "route";

function staticSite(ctx: Ctx) {
  const svc = getService(ctx.app, ctx.params.serviceId);
  if (svc.type !== "static_site") throw new ApiError(400, `${svc.id} is a ${svc.type}; headers and routes belong to static sites`);
  return svc;
}

function rows(ctx: Ctx, kind: Kind, serviceId: string) {
  const all = ctx.app.store.list<Record<string, any>>(kind, serviceId);
  return kind === "route" ? all.sort((a, b) => a.data.priority - b.data.priority) : all;
}

function insert(ctx: Ctx, kind: Kind, serviceId: string, input: Record<string, any>, priority: number) {
  const id = newId(kind);
  const data =
    kind === "header"
      ? { id, name: input.name, path: input.path, value: input.value }
      : { id, type: input.type, source: input.source, destination: input.destination, priority };
  ctx.app.store.insert(kind, id, data, serviceId);
  return sortKeys(data);
}

export function staticSiteRoutes(): Route[] {
  const out: Route[] = [];
  for (const kind of ["header", "route"] as const) {
    const base = `/services/{serviceId}/${kind}s`;
    out.push(
      {
        method: "GET",
        template: base,
        handler: (ctx) => {
          const svc = staticSite(ctx);
          return {
            status: 200,
            body: paginate(
              rows(ctx, kind, svc.id),
              (r) => r.id,
              `${kind}s:${svc.id}`,
              ctx.query,
              (cursor, r) => ({ cursor, [kind]: sortKeys(r.data) }),
            ),
          };
        },
      },
      {
        method: "POST",
        template: base,
        handler: (ctx) => {
          const svc = staticSite(ctx);
          const n = rows(ctx, kind, svc.id).length;
          return { status: 201, body: insert(ctx, kind, svc.id, ctx.body, ctx.body.priority ?? n) };
        },
      },
      {
        method: "PUT",
        template: base,
        handler: (ctx) => {
          const svc = staticSite(ctx);
          const input = (ctx.body ?? []) as Array<Record<string, any>>;
          ctx.app.store.deleteChildren(kind, svc.id);
          return { status: 200, body: input.map((r, i) => insert(ctx, kind, svc.id, r, i)) };
        },
      },
      {
        method: "DELETE",
        template: `${base}/{${kind}Id}`,
        handler: (ctx) => {
          const svc = staticSite(ctx);
          const id = ctx.params[`${kind}Id`];
          const rec = ctx.app.store.getDoc(kind, id);
          if (!rec || rec.parent !== svc.id) throw notFound(id);
          ctx.app.store.delete(kind, id);
          return { status: 204 };
        },
      },
    );
  }
  return out;
}
