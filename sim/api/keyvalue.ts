import { randomBytes } from "node:crypto";
import type { SimApp } from "../app";
import { addToEnvironment, environmentOf, removeFromEnvironment } from "../domain/environments";
import { getOwner, ownerObject, requireOwner } from "../domain/owners";
import type { Ctx, Route } from "../http/router";
import { TIMING } from "../lifecycle/timing";
import { paginate } from "../render/cursor";
import { notFound } from "../render/errors";
import { newId } from "../render/ids";
import { sortKeys } from "../render/json";
import { microStamp, nanoStamp, nowNs } from "../render/time";
import { persistenceOf } from "../databases/resume";
import { enumListParam, listParam, regionField, timeFilter } from "./params";

/** A Key Value (or legacy Redis) instance; both APIs share ids (`red-`) and shape (cassette-notes §3). */
export interface KeyValueRec {
  id: string;
  name: string;
  ownerId: string;
  plan: string;
  region: string;
  maxmemoryPolicy: string;
  ipAllowList: Array<{ cidrBlock: string; description: string }>;
  password: string;
  createdAt: string;
  updatedAt: string;
  readyAt: number;
  suspended: boolean;
}

type Flavour = "key-value" | "redis";

function get(app: SimApp, id: string): KeyValueRec {
  const rec = app.store.get<KeyValueRec>("keyValue", id);
  if (!rec) throw notFound(id);
  return rec;
}

/** What the real-server manager needs of a record. */
function instanceOf(rec: KeyValueRec) {
  return { id: rec.id, password: rec.password, maxmemoryPolicy: rec.maxmemoryPolicy, persistence: persistenceOf(rec.plan) };
}

function statusOf(app: SimApp, rec: KeyValueRec): string {
  if (rec.suspended) return "suspended";
  if (Date.now() < rec.readyAt) return "creating";
  // With a real server behind the record, `available` also means it answers on the connection string.
  const real = app.databases.redis?.info(rec.id);
  if (real?.state === "failed") return "unavailable";
  if (real?.state === "restarting") return "config_restart";
  if (real && real.state !== "ready") return "creating";
  return "available";
}

function render(app: SimApp, rec: KeyValueRec, opts: { created?: boolean; list?: boolean } = {}): Record<string, unknown> {
  const stamp = opts.created ? nanoStamp : microStamp;
  return sortKeys({
    createdAt: stamp(rec.createdAt),
    dashboardUrl: opts.list ? `https://dashboard.render.com/r/${rec.id}` : undefined,
    environmentId: environmentOf(app, rec.id),
    id: rec.id,
    ipAllowList: rec.ipAllowList.length ? rec.ipAllowList : null,
    name: rec.name,
    options: { maxmemoryPolicy: rec.maxmemoryPolicy, persistenceMode: rec.plan === "free" ? "off" : "aof" },
    owner: ownerObject(getOwner(app, rec.ownerId)),
    plan: rec.plan,
    region: rec.region,
    status: opts.created ? "unknown" : statusOf(app, rec),
    updatedAt: stamp(rec.updatedAt),
    version: "8.1.4",
  });
}

function routesFor(flavour: Flavour): Route[] {
  const base = `/${flavour}`;
  const param = flavour === "key-value" ? "keyValueId" : "redisId";
  const one = `${base}/{${param}}`;
  const wrap = flavour === "key-value" ? "keyValue" : "redis";
  const routes: Route[] = [
    {
      method: "POST",
      template: base,
      handler: (ctx: Ctx) => {
        const { app } = ctx;
        const b = ctx.body as Record<string, any>;
        requireOwner(app, b.ownerId);
        if (b.environmentId !== undefined && !app.store.get("environment", b.environmentId)) throw notFound(b.environmentId);
        const now = nowNs().toString();
        const rec: KeyValueRec = {
          id: newId("keyValue"),
          name: b.name,
          ownerId: b.ownerId,
          plan: b.plan,
          region: regionField(b.region),
          maxmemoryPolicy: b.maxmemoryPolicy ?? "allkeys_lru",
          ipAllowList: b.ipAllowList ?? [],
          password: randomBytes(24).toString("base64url").slice(0, 32),
          createdAt: now,
          updatedAt: now,
          readyAt: Date.now() + app.scaled(TIMING.keyValueProvisionSeconds),
          suspended: false,
        };
        app.store.insert("keyValue", rec.id, rec, rec.ownerId);
        if (b.environmentId) addToEnvironment(app, b.environmentId, [rec.id]);
        const kv = app.databases.redis;
        if (kv) ctx.effects.push(() => void kv.start(instanceOf(rec)));
        return { status: 201, body: render(app, rec, { created: true }) };
      },
    },
    {
      method: "GET",
      template: base,
      handler: (ctx) => {
        const { app, query } = ctx;
        const names = listParam(query, "name");
        const owners = listParam(query, "ownerId");
        const envs = listParam(query, "environmentId");
        const regions = enumListParam(query, "region", ["frankfurt", "oregon", "ohio", "singapore", "virginia"]);
        const inTime = timeFilter(query);
        const rows = app.store
          .list<KeyValueRec>("keyValue")
          .reverse()
          .filter(({ data: r }) => {
            const env = environmentOf(app, r.id);
            return (
              (!names.length || names.includes(r.name)) &&
              (!owners.length || owners.includes(r.ownerId)) &&
              (!regions.length || regions.includes(r.region)) &&
              (!envs.length || (env !== undefined && envs.includes(env))) &&
              inTime(r)
            );
          });
        return {
          status: 200,
          body: paginate(
            rows,
            (r) => r.id,
            `${flavour}:${owners.join(",")}`,
            query,
            (cursor, r) => ({ cursor, [wrap]: render(app, r.data, { list: true }) }),
          ),
        };
      },
    },
    { method: "GET", template: one, handler: (ctx) => ({ status: 200, body: render(ctx.app, get(ctx.app, ctx.params[param])) }) },
    {
      method: "PATCH",
      template: one,
      handler: (ctx) => {
        const rec = get(ctx.app, ctx.params[param]);
        const b = (ctx.body ?? {}) as Record<string, any>;
        if (b.name !== undefined) rec.name = b.name;
        if (b.plan !== undefined && b.plan !== rec.plan) {
          rec.plan = b.plan;
          rec.readyAt = Date.now() + ctx.app.scaled(TIMING.keyValueProvisionSeconds);
        }
        const before = JSON.stringify(instanceOf(rec));
        if (b.maxmemoryPolicy !== undefined) rec.maxmemoryPolicy = b.maxmemoryPolicy;
        if (b.ipAllowList !== undefined) rec.ipAllowList = b.ipAllowList;
        rec.updatedAt = nowNs().toString();
        ctx.app.store.put("keyValue", rec.id, rec);
        const kv = ctx.app.databases.redis;
        if (kv && !rec.suspended && JSON.stringify(instanceOf(rec)) !== before) ctx.effects.push(() => void kv.reconfigure(instanceOf(rec)));
        return { status: 200, body: render(ctx.app, rec) };
      },
    },
    {
      method: "DELETE",
      template: one,
      handler: (ctx) => {
        const rec = get(ctx.app, ctx.params[param]);
        removeFromEnvironment(ctx.app, [rec.id]);
        ctx.app.store.delete("keyValue", rec.id);
        const kv = ctx.app.databases.redis;
        if (kv) ctx.effects.push(() => void kv.remove(rec.id));
        return { status: 204 };
      },
    },
    {
      method: "GET",
      template: `${one}/connection-info`,
      handler: (ctx) => {
        const rec = get(ctx.app, ctx.params[param]);
        const real = ctx.app.databases.redis?.info(rec.id);
        if (real?.port) {
          // Render's host names do not resolve here, and TLS is not simulated: plain redis:// on loopback. Internal
          // connections need no password (Render's private network); external ones log in as the instance id.
          return {
            status: 200,
            body: sortKeys({
              [flavour === "key-value" ? "cliCommand" : "redisCLICommand"]: `redis-cli --user ${rec.id} --pass ${rec.password} -h 127.0.0.1 -p ${real.port}`,
              externalConnectionString: `redis://${rec.id}:${rec.password}@127.0.0.1:${real.port}`,
              internalConnectionString: `redis://127.0.0.1:${real.port}`,
            }),
          };
        }
        // Render's external endpoint is TLS on 6377 (cassette-notes §3); the internal one plain 6379.
        const host = `${rec.region}-keyvalue.render.com`;
        const cli = `redis-cli --user ${rec.id} --pass ${rec.password} -h ${host} -p 6377 --tls`;
        return {
          status: 200,
          body: sortKeys({
            [flavour === "key-value" ? "cliCommand" : "redisCLICommand"]: cli,
            externalConnectionString: `rediss://${rec.id}:${rec.password}@${host}:6377`,
            internalConnectionString: `redis://${rec.id}:6379`,
          }),
        };
      },
    },
  ];
  if (flavour === "key-value") {
    for (const [op, suspended] of [
      ["suspend", true],
      ["resume", false],
    ] as const) {
      routes.push({
        method: "POST",
        template: `${one}/${op}`,
        handler: (ctx) => {
          const rec = get(ctx.app, ctx.params[param]);
          const next = { ...rec, suspended, updatedAt: nowNs().toString() };
          ctx.app.store.put("keyValue", rec.id, next);
          const kv = ctx.app.databases.redis;
          if (kv) ctx.effects.push(() => void (suspended ? kv.stop(rec.id) : kv.start(instanceOf(next))));
          return { status: 202 };
        },
      });
    }
  }
  return routes;
}

/** `/key-value` and the deprecated `/redis`, which Render serves from the same instances. */
export function keyValueRoutes(): Route[] {
  return [...routesFor("key-value"), ...routesFor("redis")];
}
