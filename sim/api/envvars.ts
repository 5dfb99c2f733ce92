import type { SimApp } from "../app";
import { getService, type KeyValueRow } from "../domain/services";
import type { Ctx, Route } from "../http/router";
import { makeCursor, paginate } from "../render/cursor";
import { ApiError } from "../render/errors";
import { envRowsFrom, fileRowsFrom, generatedValue, insertRows } from "./services";

/**
 * A service's env vars and secret files (cassette-notes §3): lists are newest first with hidden row ids behind the
 * cursors; `PUT` of the list replaces every row (new cursors) and answers in request order. Writes are stored only:
 * as on Render, they reach the running instances with the service's next deploy (`captureDeployConfig`).
 */
type Kind = "svcEnv" | "svcFile";

const SHAPE = {
  svcEnv: { wrap: "envVar", keyName: "key", valueName: "value" },
  svcFile: { wrap: "secretFile", keyName: "name", valueName: "content" },
} as const;

function item(kind: Kind, row: KeyValueRow): Record<string, string> {
  // Keys alphabetical inside the item: {key,value} and {content,name}.
  // `?? ""`: a value sent as null is Go's zero value, "", and Render's answer always carries the field.
  return kind === "svcEnv" ? { key: row.key, value: row.value ?? "" } : { content: row.value ?? "", name: row.key };
}

/** Env and file lists of one service share their cursor prefix, as recorded. */
const scopeOf = (serviceId: string) => `kv:${serviceId}`;

function list(ctx: Ctx, kind: Kind) {
  const { app } = ctx;
  const svc = getService(app, ctx.params.serviceId);
  const rows = app.store.list<KeyValueRow>(kind, svc.id).reverse();
  return {
    status: 200,
    body: paginate(
      rows,
      (r) => r.id,
      scopeOf(svc.id),
      ctx.query,
      (cursor, r) => ({ [SHAPE[kind].wrap]: item(kind, r.data), cursor }),
    ),
  };
}

function replace(ctx: Ctx, kind: Kind) {
  const { app } = ctx;
  const svc = getService(app, ctx.params.serviceId);
  const input = ctx.body === undefined ? [] : ctx.body;
  if (!Array.isArray(input))
    throw new ApiError(400, `invalid request body: must be a JSON array of ${kind === "svcEnv" ? "{key, value}" : "{name, content}"} objects`);
  const rows = kind === "svcEnv" ? envRowsFrom(input, "body") : fileRowsFrom(input, "body");
  app.store.deleteChildren(kind, svc.id);
  const inserted = insertRows(app, kind, svc.id, rows);
  return { status: 200, body: inserted.map((r) => ({ [SHAPE[kind].wrap]: item(kind, r.data), cursor: makeCursor(scopeOf(svc.id), r.id) })) };
}

function findRow(app: SimApp, kind: Kind, serviceId: string, key: string) {
  return app.store.list<KeyValueRow>(kind, serviceId).find((r) => r.data.key === key);
}

function getOne(ctx: Ctx, kind: Kind, param: string) {
  const { app } = ctx;
  const svc = getService(app, ctx.params.serviceId);
  const row = findRow(app, kind, svc.id, ctx.params[param]);
  if (!row) throw new ApiError(404, `not found: ${ctx.params[param]}`);
  return { status: 200, body: item(kind, row.data) };
}

function putOne(ctx: Ctx, kind: Kind, param: string) {
  const { app } = ctx;
  const svc = getService(app, ctx.params.serviceId);
  const key = ctx.params[param];
  const body = (ctx.body ?? {}) as Record<string, any>;
  let value: string;
  if (kind === "svcEnv") {
    if (body.value === undefined && body.generateValue !== true) throw new ApiError(400, `missing required field "value" (or send "generateValue": true)`);
    value = body.value ?? generatedValue();
  } else {
    if (body.content === undefined) throw new ApiError(400, `missing required field "content"`);
    value = body.content;
  }
  const existing = findRow(app, kind, svc.id, key);
  if (existing) app.store.delete(kind, existing.id);
  insertRows(app, kind, svc.id, [{ key, value }]);
  // The spec answers 201 for a secret file upsert and 200 for an env var.
  return { status: kind === "svcFile" ? 201 : 200, body: item(kind, { key, value }) };
}

function deleteOne(ctx: Ctx, kind: Kind, param: string) {
  const { app } = ctx;
  const svc = getService(app, ctx.params.serviceId);
  const row = findRow(app, kind, svc.id, ctx.params[param]);
  if (!row) throw new ApiError(404, `not found: ${ctx.params[param]}`);
  app.store.delete(kind, row.id);
  return { status: 204 };
}

export function envVarRoutes(): Route[] {
  const routes: Route[] = [];
  for (const [kind, base, param] of [
    ["svcEnv", "env-vars", "envVarKey"],
    ["svcFile", "secret-files", "secretFileName"],
  ] as const) {
    routes.push(
      { method: "GET", template: `/services/{serviceId}/${base}`, handler: (c) => list(c, kind) },
      { method: "PUT", template: `/services/{serviceId}/${base}`, handler: (c) => replace(c, kind) },
      { method: "GET", template: `/services/{serviceId}/${base}/{${param}}`, handler: (c) => getOne(c, kind, param) },
      { method: "PUT", template: `/services/{serviceId}/${base}/{${param}}`, handler: (c) => putOne(c, kind, param) },
      { method: "DELETE", template: `/services/{serviceId}/${base}/{${param}}`, handler: (c) => deleteOne(c, kind, param) },
    );
  }
  return routes;
}
