import type { SimApp } from "../app";
import { addToEnvironment, environmentOf } from "../domain/environments";
import type { EnvGroupRec } from "../domain/envgroups";
import { requireOwner } from "../domain/owners";
import { getService, TYPE_SHORT, type KeyValueRow, type ServiceRec } from "../domain/services";
import type { Ctx, Route } from "../http/router";
import { ApiError, notFound } from "../render/errors";
import { newId } from "../render/ids";
import { sortKeys } from "../render/json";
import { microStamp, nanoStamp, nowNs } from "../render/time";
import { listParam, parseLimitOnly, timeFilter } from "./params";
import { envRowsFrom, fileRowsFrom, generatedValue, insertRows } from "./services";

function getGroup(app: SimApp, id: string): EnvGroupRec {
  const rec = app.store.get<EnvGroupRec>("envGroup", id);
  if (!rec) throw notFound(id);
  return rec;
}

function links(app: SimApp, g: EnvGroupRec) {
  return g.serviceIds
    .map((id) => app.store.get<ServiceRec>("service", id))
    .filter((s): s is ServiceRec => !!s)
    .map((s) => ({ id: s.id, name: s.name, type: TYPE_SHORT[s.type] }));
}

function meta(app: SimApp, g: EnvGroupRec, nano = false): Record<string, unknown> {
  const stamp = nano ? nanoStamp : microStamp;
  return {
    createdAt: stamp(g.createdAt),
    environmentId: environmentOf(app, g.id),
    id: g.id,
    name: g.name,
    ownerId: g.ownerId,
    serviceLinks: links(app, g),
    updatedAt: stamp(g.updatedAt),
  };
}

/** The whole group, as every env-group write answers (vars and files newest first). */
function render(app: SimApp, g: EnvGroupRec, nano = false): Record<string, unknown> {
  return sortKeys({
    ...meta(app, g, nano),
    envVars: app.store
      .list<KeyValueRow>("grpEnv", g.id)
      .reverse()
      .map((r) => ({ key: r.data.key, value: r.data.value })),
    secretFiles: app.store
      .list<KeyValueRow>("grpFile", g.id)
      .reverse()
      .map((r) => ({ content: r.data.value, name: r.data.key })),
  });
}

function create(ctx: Ctx) {
  const { app } = ctx;
  const b = ctx.body as { name: string; ownerId: string; envVars: any[]; secretFiles?: any[]; serviceIds?: string[]; environmentId?: string };
  requireOwner(app, b.ownerId);
  for (const s of b.serviceIds ?? []) getService(app, s);
  if (b.environmentId !== undefined && !app.store.get("environment", b.environmentId)) throw notFound(b.environmentId);
  const now = nowNs().toString();
  const g: EnvGroupRec = {
    id: newId("envGroup"),
    name: b.name,
    ownerId: b.ownerId,
    createdAt: now,
    updatedAt: now,
    serviceIds: [...new Set(b.serviceIds ?? [])],
  };
  app.store.insert("envGroup", g.id, g, g.ownerId);
  insertRows(app, "grpEnv", g.id, envRowsFrom(b.envVars, "envVars"));
  insertRows(app, "grpFile", g.id, fileRowsFrom(b.secretFiles, "secretFiles"));
  if (b.environmentId) addToEnvironment(app, b.environmentId, [g.id]);
  return { status: 201, body: render(app, g, true) };
}

function list(ctx: Ctx) {
  const { app, query } = ctx;
  const names = listParam(query, "name");
  const owners = listParam(query, "ownerId");
  const envs = listParam(query, "environmentId");
  const inTime = timeFilter(query);
  const limit = parseLimitOnly(query);
  const rows = app.store
    .list<EnvGroupRec>("envGroup")
    .reverse()
    .map((r) => r.data)
    .filter((g) => {
      const env = environmentOf(app, g.id);
      return (
        (!names.length || names.includes(g.name)) &&
        (!owners.length || owners.includes(g.ownerId)) &&
        (!envs.length || (env !== undefined && envs.includes(env))) &&
        inTime(g)
      );
    });
  const cursor = query.get("cursor");
  const start = cursor ? rows.findIndex((g) => g.id === cursor) + 1 : 0;
  return { status: 200, body: rows.slice(start, start + limit).map((g) => sortKeys(meta(app, g))) };
}

type RowKind = "grpEnv" | "grpFile";

function findRow(app: SimApp, kind: RowKind, groupId: string, key: string) {
  return app.store.list<KeyValueRow>(kind, groupId).find((r) => r.data.key === key);
}

function putRow(ctx: Ctx, kind: RowKind, param: string) {
  const { app } = ctx;
  const g = getGroup(app, ctx.params.envGroupId);
  const key = ctx.params[param];
  const b = (ctx.body ?? {}) as Record<string, any>;
  let value: string;
  if (kind === "grpEnv") {
    if (b.value === undefined && b.generateValue !== true) throw new ApiError(400, `missing required field "value" (or send "generateValue": true)`);
    value = b.value ?? generatedValue();
  } else {
    if (b.content === undefined) throw new ApiError(400, `missing required field "content"`);
    value = b.content;
  }
  // Upserting puts the key first; the group's updatedAt does not change (both as recorded).
  const existing = findRow(app, kind, g.id, key);
  if (existing) app.store.delete(kind, existing.id);
  insertRows(app, kind, g.id, [{ key, value }]);
  return { status: 200, body: render(app, g) };
}

function getRow(ctx: Ctx, kind: RowKind, param: string) {
  const g = getGroup(ctx.app, ctx.params.envGroupId);
  const row = findRow(ctx.app, kind, g.id, ctx.params[param]);
  if (!row) throw notFound(ctx.params[param]);
  return { status: 200, body: kind === "grpEnv" ? { key: row.data.key, value: row.data.value } : { content: row.data.value, name: row.data.key } };
}

function deleteRow(ctx: Ctx, kind: RowKind, param: string) {
  const g = getGroup(ctx.app, ctx.params.envGroupId);
  const row = findRow(ctx.app, kind, g.id, ctx.params[param]);
  if (!row) throw notFound(ctx.params[param]);
  ctx.app.store.delete(kind, row.id);
  return { status: 204 };
}

export function envGroupRoutes(): Route[] {
  const one = "/env-groups/{envGroupId}";
  return [
    { method: "POST", template: "/env-groups", handler: create },
    { method: "GET", template: "/env-groups", handler: list },
    { method: "GET", template: one, handler: (ctx) => ({ status: 200, body: render(ctx.app, getGroup(ctx.app, ctx.params.envGroupId)) }) },
    {
      method: "PATCH",
      template: one,
      handler: (ctx) => {
        const g = getGroup(ctx.app, ctx.params.envGroupId);
        if (ctx.body?.name !== undefined) g.name = ctx.body.name;
        g.updatedAt = nowNs().toString();
        ctx.app.store.put("envGroup", g.id, g);
        return { status: 200, body: render(ctx.app, g) };
      },
    },
    {
      method: "DELETE",
      template: one,
      handler: (ctx) => {
        const g = getGroup(ctx.app, ctx.params.envGroupId);
        ctx.app.store.deleteChildren("grpEnv", g.id);
        ctx.app.store.deleteChildren("grpFile", g.id);
        ctx.app.store.delete("membership", g.id);
        ctx.app.store.delete("envGroup", g.id);
        return { status: 204 };
      },
    },
    {
      method: "POST",
      template: `${one}/services/{serviceId}`,
      handler: (ctx) => {
        const g = getGroup(ctx.app, ctx.params.envGroupId);
        const s = getService(ctx.app, ctx.params.serviceId);
        if (!g.serviceIds.includes(s.id)) {
          g.serviceIds.push(s.id);
          ctx.app.store.put("envGroup", g.id, g);
        }
        return { status: 200, body: render(ctx.app, g) };
      },
    },
    {
      method: "DELETE",
      template: `${one}/services/{serviceId}`,
      handler: (ctx) => {
        const g = getGroup(ctx.app, ctx.params.envGroupId);
        if (!g.serviceIds.includes(ctx.params.serviceId)) throw notFound(ctx.params.serviceId);
        g.serviceIds = g.serviceIds.filter((s) => s !== ctx.params.serviceId);
        ctx.app.store.put("envGroup", g.id, g);
        return { status: 204 };
      },
    },
    { method: "GET", template: `${one}/env-vars/{envVarKey}`, handler: (c) => getRow(c, "grpEnv", "envVarKey") },
    { method: "PUT", template: `${one}/env-vars/{envVarKey}`, handler: (c) => putRow(c, "grpEnv", "envVarKey") },
    { method: "DELETE", template: `${one}/env-vars/{envVarKey}`, handler: (c) => deleteRow(c, "grpEnv", "envVarKey") },
    { method: "GET", template: `${one}/secret-files/{secretFileName}`, handler: (c) => getRow(c, "grpFile", "secretFileName") },
    { method: "PUT", template: `${one}/secret-files/{secretFileName}`, handler: (c) => putRow(c, "grpFile", "secretFileName") },
    { method: "DELETE", template: `${one}/secret-files/{secretFileName}`, handler: (c) => deleteRow(c, "grpFile", "secretFileName") },
  ];
}
