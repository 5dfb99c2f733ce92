import { randomBytes } from "node:crypto";
import type { SimApp } from "../app";
import { addToEnvironment, environmentOf, removeFromEnvironment } from "../domain/environments";
import { getOwner, ownerObject, requireOwner } from "../domain/owners";
import type { Ctx, Route } from "../http/router";
import { TIMING } from "../lifecycle/timing";
import { paginate } from "../render/cursor";
import { ApiError, notFound } from "../render/errors";
import { newId, randomSuffix } from "../render/ids";
import { sortKeys } from "../render/json";
import { microStamp, nanoStamp, nowNs } from "../render/time";
import { boolParam, enumListParam, listParam, regionField, timeFilter } from "./params";

/** A Postgres instance as stored; its status is derived from `readyAt` so provisioning survives restarts. */
export interface PostgresRec {
  id: string;
  name: string;
  ownerId: string;
  plan: string;
  region: string;
  version: string;
  databaseName: string;
  databaseUser: string;
  password: string;
  diskSizeGB?: number;
  diskAutoscalingEnabled: boolean;
  highAvailabilityEnabled: boolean;
  ipAllowList: Array<{ cidrBlock: string; description: string }>;
  readReplicas: Array<{ id: string; name: string }>;
  parameterOverrides?: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  /** Epoch ms from which the instance is `available`. */
  readyAt: number;
  /** Set on databases created by point-in-time recovery: `recovery_in_progress` until ready. */
  recoveredFrom?: string;
  suspended: boolean;
}

interface ExportRec {
  id: string;
  createdAt: string;
  url: string;
  /** A real dump kept by the simulator: the URL is a signed download link made when listed. */
  file?: boolean;
}

function getPg(app: SimApp, id: string): PostgresRec {
  const rec = app.store.get<PostgresRec>("postgres", id);
  if (!rec) throw notFound(id);
  return rec;
}

function statusOf(app: SimApp, rec: PostgresRec): string {
  if (rec.suspended) return "suspended";
  if (Date.now() < rec.readyAt) return rec.recoveredFrom ? "recovery_in_progress" : "creating";
  // With a real server behind the record, `available` also means it answers on the connection info.
  const real = app.databases.postgres?.info(rec.id);
  if (real?.state === "failed") return rec.recoveredFrom ? "recovery_failed" : "unavailable";
  if (real && real.state !== "ready") return rec.recoveredFrom ? "recovery_in_progress" : "creating";
  return "available";
}

/** What the real-server manager needs of a record. */
function instanceOf(rec: PostgresRec) {
  return { id: rec.id, databaseName: rec.databaseName, databaseUser: rec.databaseUser, password: rec.password };
}

function render(app: SimApp, rec: PostgresRec, opts: { created?: boolean } = {}): Record<string, unknown> {
  const stamp = opts.created ? nanoStamp : microStamp;
  return sortKeys({
    createdAt: stamp(rec.createdAt),
    dashboardUrl: `https://dashboard.render.com/d/${rec.id}`,
    databaseName: rec.databaseName,
    databaseUser: rec.databaseUser,
    diskAutoscalingEnabled: rec.diskAutoscalingEnabled,
    // Render always shows the disk size; a database created without one has the smallest disk, 1 GB (a real
    // answer for such a database reads `"diskSizeGB":1`).
    diskSizeGB: rec.diskSizeGB ?? 1,
    environmentId: environmentOf(app, rec.id),
    highAvailabilityEnabled: rec.highAvailabilityEnabled,
    id: rec.id,
    // An empty allow list is shown as null (cassette-notes §3).
    ipAllowList: rec.ipAllowList.length ? rec.ipAllowList : null,
    name: rec.name,
    owner: ownerObject(getOwner(app, rec.ownerId)),
    parameterOverrides: rec.parameterOverrides,
    plan: rec.plan,
    readReplicas: rec.readReplicas,
    region: rec.region,
    role: "primary",
    // Render answers a create before its provisioner reported anything (recorded `unknown`).
    status: opts.created ? "unknown" : statusOf(app, rec),
    suspended: rec.suspended ? "suspended" : "not_suspended",
    suspenders: rec.suspended ? ["user"] : [],
    updatedAt: stamp(rec.updatedAt),
    version: rec.version,
  });
}

function dbIdent(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, "_")
      .replace(/^_+|_+$/g, "") || "db"
  );
}

function replicasFor(base: string, wanted: Array<{ name: string }> | undefined, current: Array<{ id: string; name: string }>) {
  if (!wanted) return current;
  const root = base.replace(/-a$/, "");
  return wanted.map((r, i) => current.find((c) => c.name === r.name) ?? { id: `${root}-${String.fromCharCode(98 + i)}`, name: r.name });
}

function create(ctx: Ctx) {
  const { app } = ctx;
  const b = ctx.body as Record<string, any>;
  requireOwner(app, b.ownerId);
  if (b.environmentId !== undefined && !app.store.get("environment", b.environmentId)) throw notFound(b.environmentId);
  const now = nowNs().toString();
  const id = newId("postgres");
  const databaseName = `${dbIdent(b.databaseName || b.name)}_${randomSuffix()}`;
  const rec: PostgresRec = {
    id,
    name: b.name,
    ownerId: b.ownerId,
    plan: b.plan,
    region: regionField(b.region),
    version: String(b.version),
    databaseName,
    databaseUser: b.databaseUser || `${databaseName}_user`,
    password: randomBytes(24).toString("base64url").slice(0, 32),
    diskSizeGB: b.diskSizeGB,
    diskAutoscalingEnabled: !!b.enableDiskAutoscaling,
    highAvailabilityEnabled: !!b.enableHighAvailability,
    ipAllowList: b.ipAllowList ?? [],
    readReplicas: [],
    parameterOverrides: b.parameterOverrides,
    createdAt: now,
    updatedAt: now,
    readyAt: Date.now() + app.scaled(TIMING.postgresProvisionSeconds),
    suspended: false,
  };
  rec.readReplicas = replicasFor(id, b.readReplicas, []);
  app.store.insert("postgres", id, rec, rec.ownerId);
  if (b.environmentId) addToEnvironment(app, b.environmentId, [id]);
  // The real server is created after the answer (the record commits first); the API shows `creating` until it runs.
  const pg = app.databases.postgres;
  if (pg) ctx.effects.push(() => void pg.provision(instanceOf(rec)));
  return { status: 201, body: render(app, rec, { created: true }) };
}

function list(ctx: Ctx) {
  const { app, query } = ctx;
  const names = listParam(query, "name");
  const regions = enumListParam(query, "region", ["frankfurt", "oregon", "ohio", "singapore", "virginia"]);
  const suspended = enumListParam(query, "suspended", ["suspended", "not_suspended"]);
  const owners = listParam(query, "ownerId");
  const envs = listParam(query, "environmentId");
  boolParam(query, "includeReplicas", true);
  const inTime = timeFilter(query);
  const rows = app.store
    .list<PostgresRec>("postgres")
    .reverse()
    .filter(({ data: p }) => {
      const env = environmentOf(app, p.id);
      return (
        (!names.length || names.includes(p.name)) &&
        (!regions.length || regions.includes(p.region)) &&
        (!suspended.length || suspended.includes(p.suspended ? "suspended" : "not_suspended")) &&
        (!owners.length || owners.includes(p.ownerId)) &&
        (!envs.length || (env !== undefined && envs.includes(env))) &&
        inTime(p)
      );
    });
  return {
    status: 200,
    body: paginate(
      rows,
      (r) => r.id,
      `postgres:${owners.join(",")}`,
      query,
      (cursor, r) => ({ cursor, postgres: render(app, r.data) }),
    ),
  };
}

function update(ctx: Ctx) {
  const { app } = ctx;
  const rec = getPg(app, ctx.params.postgresId);
  const b = (ctx.body ?? {}) as Record<string, any>;
  if (b.diskSizeGB !== undefined && rec.diskSizeGB !== undefined && b.diskSizeGB < rec.diskSizeGB) {
    throw new ApiError(400, `invalid value for "diskSizeGB": ${b.diskSizeGB} is smaller than the current ${rec.diskSizeGB} GB; disks can only grow`);
  }
  const before = JSON.stringify([rec.plan, rec.diskSizeGB, rec.highAvailabilityEnabled, rec.readReplicas.map((r) => r.name)]);
  if (b.name !== undefined) rec.name = b.name;
  if (b.plan !== undefined) rec.plan = b.plan;
  if (b.diskSizeGB !== undefined) rec.diskSizeGB = b.diskSizeGB;
  if (b.enableDiskAutoscaling !== undefined) rec.diskAutoscalingEnabled = b.enableDiskAutoscaling;
  if (b.enableHighAvailability !== undefined) rec.highAvailabilityEnabled = b.enableHighAvailability;
  if (b.ipAllowList !== undefined) rec.ipAllowList = b.ipAllowList;
  if (b.parameterOverrides !== undefined) rec.parameterOverrides = b.parameterOverrides;
  rec.readReplicas = replicasFor(rec.id, b.readReplicas, rec.readReplicas);
  const after = JSON.stringify([rec.plan, rec.diskSizeGB, rec.highAvailabilityEnabled, rec.readReplicas.map((r) => r.name)]);
  // Plan, disk, HA and replica changes re-provision: the instance shows `creating` again (as recorded).
  if (after !== before) rec.readyAt = Date.now() + app.scaled(TIMING.postgresProvisionSeconds);
  rec.updatedAt = nowNs().toString();
  app.store.put("postgres", rec.id, rec);
  const env = environmentOf(app, rec.id);
  if (env) addToEnvironment(app, env, [rec.id]);
  return { status: 200, body: render(app, rec) };
}

function remove(ctx: Ctx) {
  const { app } = ctx;
  const rec = getPg(app, ctx.params.postgresId);
  removeFromEnvironment(app, [rec.id]);
  for (const id of [rec.id, ...rec.readReplicas.map((r) => r.id)]) app.store.delete("logStream", id);
  app.store.deleteChildren("pgExport", rec.id);
  app.store.delete("postgres", rec.id);
  const pg = app.databases.postgres;
  if (pg) ctx.effects.push(() => void pg.remove(rec.id));
  return { status: 204 };
}

function connectionInfo(ctx: Ctx) {
  const rec = getPg(ctx.app, ctx.params.postgresId);
  const host = `${rec.id}.${rec.region}-postgres.render.com`;
  const real = ctx.app.databases.postgres?.info(rec.id);
  if (real?.port) {
    // Render's host names do not resolve here: the strings keep them (and so the instance id) and add libpq's
    // `host`/`port` parameters, which node-postgres and psql both let override the host part.
    const at = `host=127.0.0.1&port=${real.port}`;
    return {
      status: 200,
      body: {
        externalConnectionString: `postgresql://${rec.databaseUser}:${rec.password}@${host}/${rec.databaseName}?${at}`,
        internalConnectionString: `postgresql://${rec.databaseUser}:${rec.password}@${rec.id}/${rec.databaseName}?${at}`,
        password: rec.password,
        psqlCommand: `PGPASSWORD=${rec.password} psql -h 127.0.0.1 -p ${real.port} -U ${rec.databaseUser} ${rec.databaseName}`,
      },
    };
  }
  return {
    status: 200,
    body: {
      externalConnectionString: `postgresql://${rec.databaseUser}:${rec.password}@${host}:5432/${rec.databaseName}`,
      internalConnectionString: `postgresql://${rec.databaseUser}:${rec.password}@${rec.id}/${rec.databaseName}`,
      password: rec.password,
      psqlCommand: `PGPASSWORD=${rec.password} psql -h ${host} -p 5432 -U ${rec.databaseUser} ${rec.databaseName}`,
    },
  };
}

function recover(ctx: Ctx) {
  const { app } = ctx;
  const src = getPg(app, ctx.params.postgresId);
  const b = ctx.body as { restoreTime: string; restoreName?: string; plan?: string; environmentId?: string };
  const t = Date.parse(b.restoreTime);
  const created = Date.parse(microStamp(src.createdAt));
  if (statusOf(app, src) !== "available")
    throw new ApiError(400, `database ${src.id} is ${statusOf(app, src)}; point-in-time recovery needs an available database`);
  // `!(…)` so an unparsable time (NaN, e.g. `restoreTime: null`, which Go decodes to "") is refused too.
  if (!(t >= created && t <= Date.now())) {
    throw new ApiError(400, `invalid value for "restoreTime": must be between ${microStamp(src.createdAt)} and now`);
  }
  if (b.environmentId !== undefined && !app.store.get("environment", b.environmentId)) throw notFound(b.environmentId);
  const now = nowNs().toString();
  const id = newId("postgres");
  const rec: PostgresRec = {
    ...src,
    id,
    name: b.restoreName ?? `${src.name}-recovery`,
    plan: b.plan ?? src.plan,
    password: randomBytes(24).toString("base64url").slice(0, 32),
    readReplicas: [],
    createdAt: now,
    updatedAt: now,
    readyAt: Date.now() + app.scaled(TIMING.postgresProvisionSeconds),
    recoveredFrom: `${src.id}@${new Date(t).toISOString()}`,
    suspended: false,
  };
  app.store.insert("postgres", id, rec, rec.ownerId);
  const env = b.environmentId ?? environmentOf(app, src.id);
  if (env) addToEnvironment(app, env, [id]);
  // A real recovery: the source's base backup and archived WAL replayed to `restoreTime` in a new cluster.
  const pg = app.databases.postgres;
  if (pg) ctx.effects.push(() => void pg.recover(instanceOf(src), instanceOf(rec), new Date(t)));
  return { status: 200, body: render(app, rec) };
}

function setSuspended(ctx: Ctx, suspended: boolean) {
  const rec = getPg(ctx.app, ctx.params.postgresId);
  rec.suspended = suspended;
  rec.updatedAt = nowNs().toString();
  ctx.app.store.put("postgres", rec.id, rec);
  const pg = ctx.app.databases.postgres;
  if (pg) ctx.effects.push(() => void (suspended ? pg.stop(rec.id) : pg.start(rec.id)));
  return { status: 202 };
}

export function postgresRoutes(): Route[] {
  const one = "/postgres/{postgresId}";
  return [
    { method: "POST", template: "/postgres", handler: create },
    { method: "GET", template: "/postgres", handler: list },
    { method: "GET", template: one, handler: (ctx) => ({ status: 200, body: render(ctx.app, getPg(ctx.app, ctx.params.postgresId)) }) },
    { method: "PATCH", template: one, handler: update },
    { method: "DELETE", template: one, handler: remove },
    { method: "GET", template: `${one}/connection-info`, handler: connectionInfo },
    {
      method: "GET",
      template: `${one}/recovery`,
      handler: (ctx) => {
        const rec = getPg(ctx.app, ctx.params.postgresId);
        const ready = statusOf(ctx.app, rec) === "available";
        return {
          status: 200,
          body: ready
            ? { recoveryStatus: rec.plan === "free" ? "NOT_AVAILABLE" : "AVAILABLE", startsAt: microStamp(rec.createdAt) }
            : { recoveryStatus: "BACKUP_NOT_READY" },
        };
      },
    },
    { method: "POST", template: `${one}/recovery`, handler: recover },
    {
      method: "POST",
      template: `${one}/export`,
      handler: (ctx) => {
        const { app } = ctx;
        const rec = getPg(app, ctx.params.postgresId);
        const id = newId("export");
        const now = nowNs().toString();
        const pg = app.databases.postgres;
        if (!pg) {
          app.store.insert<ExportRec>("pgExport", id, { id, createdAt: now, url: `https://exports.render.com/${rec.id}/${id}.dir.tar.gz` }, rec.id);
          return { status: 202 };
        }
        if (statusOf(app, rec) !== "available") throw new ApiError(400, `database ${rec.id} is ${statusOf(app, rec)}; an export needs an available database`);
        // A real pg_dump: listed at once (the spec's `url` is optional), with its download link once the file is ready.
        app.store.insert<ExportRec>("pgExport", id, { id, createdAt: now, url: "" }, rec.id);
        ctx.effects.push(
          () =>
            void pg.export(instanceOf(rec), id).then(
              () => {
                const done = app.store.get<ExportRec>("pgExport", id);
                if (done && app.store.get("postgres", rec.id)) app.store.tx(() => app.store.put<ExportRec>("pgExport", id, { ...done, file: true }));
              },
              (e: Error) => process.stderr.write(`[sim] export ${id} of ${rec.id} failed: ${e.message}\n`),
            ),
        );
        return { status: 202 };
      },
    },
    {
      method: "GET",
      template: `${one}/export`,
      handler: (ctx) => {
        const rec = getPg(ctx.app, ctx.params.postgresId);
        const rows = ctx.app.store.list<ExportRec>("pgExport", rec.id).reverse();
        const url = (r: ExportRec) => (r.file ? ctx.app.databases.exportUrl(rec.id, r.id) : r.url || undefined);
        return { status: 200, body: rows.map((r) => ({ createdAt: microStamp(r.data.createdAt), id: r.data.id, url: url(r.data) })) };
      },
    },
    { method: "POST", template: `${one}/suspend`, handler: (ctx) => setSuspended(ctx, true) },
    { method: "POST", template: `${one}/resume`, handler: (ctx) => setSuspended(ctx, false) },
    {
      method: "POST",
      template: `${one}/restart`,
      handler: (ctx) => {
        const rec = getPg(ctx.app, ctx.params.postgresId);
        const pg = ctx.app.databases.postgres;
        if (pg && !rec.suspended) ctx.effects.push(() => void pg.restart(rec.id));
        return { status: 202 };
      },
    },
  ];
}
