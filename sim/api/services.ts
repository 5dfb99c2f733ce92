import { randomBytes } from "node:crypto";
import type { SimApp } from "../app";
import type { ServiceType } from "../dataplane/types";
import { addToEnvironment, environmentOf, removeFromEnvironment } from "../domain/environments";
import { recordEvent } from "../domain/events";
import { requireOwner } from "../domain/owners";
import { getService, normalizeImage, renderService, scheduleApply, type KeyValueRow, type ServiceRec } from "../domain/services";
import type { Ctx, Route } from "../http/router";
import type { DeployRec } from "../lifecycle/deploys";
import { check, componentValidator, requestBodyValidator } from "../openapi/validator";
import { paginate } from "../render/cursor";
import { ApiError } from "../render/errors";
import { newId, randomSuffix } from "../render/ids";
import { sortKeys } from "../render/json";
import { microStamp, nowNs } from "../render/time";
import { boolParam, enumListParam, listParam, timeFilter } from "./params";

const SERVICE_TYPES = ["static_site", "web_service", "private_service", "background_worker", "cron_job"] as const;

const DETAILS_SCHEMA: Record<ServiceType, string> = {
  static_site: "staticSiteDetails",
  web_service: "webServiceDetails",
  private_service: "privateServiceDetails",
  background_worker: "backgroundWorkerDetails",
  cron_job: "cronJobDetails",
};

/** Render's generated values: 32 random bytes, standard base64 (44 characters). */
export function generatedValue(): string {
  return randomBytes(32).toString("base64");
}

/** Inserts env var / secret file rows in request order (so that a newest-first read reverses them). */
export function insertRows(
  app: SimApp,
  kind: "svcEnv" | "svcFile" | "grpEnv" | "grpFile",
  parent: string,
  rows: KeyValueRow[],
): Array<{ id: string; data: KeyValueRow }> {
  return rows.map((r) => {
    const id = newId("row");
    app.store.insert(kind, id, r, parent);
    return { id, data: r };
  });
}

/** `[{key,value}|{key,generateValue}]` → rows, rejecting duplicate keys. */
export function envRowsFrom(input: Array<{ key: string; value?: string; generateValue?: boolean }> | undefined, field: string): KeyValueRow[] {
  const seen = new Set<string>();
  return (input ?? []).map((e, i) => {
    if (!e.key) throw new ApiError(400, `missing required field "${field}[${i}].key"`);
    if (seen.has(e.key)) throw new ApiError(400, `duplicate key ${JSON.stringify(e.key)} in "${field}"`);
    seen.add(e.key);
    if (e.value === undefined && !e.generateValue) throw new ApiError(400, `"${field}[${i}]" needs "value" or "generateValue": true`);
    return { key: e.key, value: e.value ?? generatedValue() };
  });
}

export function fileRowsFrom(input: Array<{ name: string; content: string }> | undefined, field: string): KeyValueRow[] {
  const seen = new Set<string>();
  return (input ?? []).map((f, i) => {
    if (seen.has(f.name)) throw new ApiError(400, `duplicate name ${JSON.stringify(f.name)} in "${field}[${i}]"`);
    seen.add(f.name);
    return { key: f.name, value: f.content };
  });
}

function uniqueSlug(app: SimApp, type: ServiceType, name: string): string {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "service";
  // Workers and cron jobs always get a random suffix; public names get one only when taken (cassette-notes §3).
  if (type === "background_worker" || type === "cron_job") return `${base}-${randomSuffix()}`;
  const taken = new Set(app.store.list<ServiceRec>("service").map((s) => s.data.slug));
  let slug = base;
  while (taken.has(slug)) slug = `${base}-${randomSuffix()}`;
  return slug;
}

function validateDetails(ctx: Ctx, type: ServiceType, details: unknown, suffix: "POST" | "PATCH"): void {
  if (details === undefined) return;
  if (type === "cron_job" && suffix === "POST" && details && typeof details === "object") {
    // The spec's cronJobDetailsPOST points at the *response* schema `envSpecificDetails` (whose registryCredential
    // has an enum), unlike every other POST; Render accepts what its Terraform provider sends for cron jobs
    // (`registryCredential` with empty strings), so the create body is checked against envSpecificDetailsPOST.
    const { envSpecificDetails, ...rest } = details as Record<string, unknown>;
    check(componentValidator("cronJobDetailsPOST"), rest, "serviceDetails", ctx.nulls, "/serviceDetails");
    if (envSpecificDetails !== undefined) {
      check(
        componentValidator("envSpecificDetailsPOST"),
        envSpecificDetails,
        "serviceDetails.envSpecificDetails",
        ctx.nulls,
        "/serviceDetails/envSpecificDetails",
      );
    }
    return;
  }
  // Details are checked against the schema of the service's own type (Render's oneOf is ambiguous).
  check(componentValidator(`${DETAILS_SCHEMA[type]}${suffix}`), details, "serviceDetails", ctx.nulls, "/serviceDetails");
}

function create(ctx: Ctx) {
  const { app } = ctx;
  const body = ctx.body;
  if (body === undefined) throw new ApiError(400, "missing request body: send the service as JSON");
  const { serviceDetails, ...top } = body as Record<string, any>;
  check(requestBodyValidator("POST", "/services"), top, "", ctx.nulls);
  const type = top.type as ServiceType;
  validateDetails(ctx, type, serviceDetails, "POST");
  requireOwner(app, top.ownerId);
  if (!top.repo && !top.image) throw new ApiError(400, `one of "repo" or "image.imagePath" is required`);
  if (top.environmentId !== undefined && !app.store.get("environment", top.environmentId)) throw new ApiError(404, `not found: ${top.environmentId}`);
  const d: Record<string, any> = { ...(serviceDetails ?? {}) };
  const runtime = d.runtime ?? d.env ?? (top.image ? "image" : undefined);
  if (type !== "static_site" && !runtime) throw new ApiError(400, `missing required field "serviceDetails.runtime"`);
  if (top.image && type !== "static_site" && runtime !== "image")
    throw new ApiError(400, `"serviceDetails.runtime" must be "image" for an image-backed service`);
  const now = nowNs().toString();
  const id = newId(type === "cron_job" ? "cronJob" : "service");
  const details: Record<string, any> = {};
  const copy = [
    "plan",
    "region",
    "numInstances",
    "healthCheckPath",
    "maintenanceMode",
    "autoscaling",
    "envSpecificDetails",
    "buildCommand",
    "publishPath",
    "schedule",
    "ipAllowList",
    "renderSubdomainPolicy",
    "maxShutdownDelaySeconds",
  ];
  for (const k of copy) if (d[k] !== undefined) details[k] = d[k];
  if (runtime) details.runtime = runtime;
  details.previews = { generation: d.previews?.generation ?? "off" };
  if (type !== "static_site" && type !== "cron_job") details.numInstances = d.numInstances ?? 1;
  if (details.autoscaling) details.numInstances = Math.max(details.numInstances ?? 1, details.autoscaling.min);
  const rec: ServiceRec = {
    id,
    type,
    name: top.name,
    ownerId: top.ownerId,
    slug: uniqueSlug(app, type, top.name),
    createdAt: now,
    updatedAt: now,
    autoDeploy: top.autoDeploy ?? "yes",
    repo: top.repo,
    branch: top.repo ? (top.branch ?? "main") : undefined,
    buildFilter:
      top.buildFilter?.paths || top.buildFilter?.ignoredPaths
        ? { ignoredPaths: top.buildFilter.ignoredPaths ?? [], paths: top.buildFilter.paths ?? [] }
        : undefined,
    rootDir: top.rootDir ?? "",
    imagePath: top.image ? normalizeImage(top.image.imagePath) : undefined,
    registryCredentialId: top.image?.registryCredentialId,
    suspended: false,
    details,
    preDeployCommand: d.preDeployCommand ? d.preDeployCommand : undefined,
  };
  if (d.disk && type !== "static_site" && type !== "cron_job") {
    const diskId = newId("disk");
    app.store.insert(
      "disk",
      diskId,
      { id: diskId, name: d.disk.name, mountPath: d.disk.mountPath, sizeGB: d.disk.sizeGB ?? 1, serviceId: id, createdAt: now, updatedAt: now },
      id,
    );
    rec.diskId = diskId;
  }
  app.store.insert("service", id, rec, top.ownerId);
  insertRows(app, "svcEnv", id, envRowsFrom(top.envVars, "envVars"));
  insertRows(app, "svcFile", id, fileRowsFrom(top.secretFiles, "secretFiles"));
  if (type === "static_site") {
    for (const h of d.headers ?? []) {
      const hid = newId("header");
      app.store.insert("header", hid, { id: hid, path: h.path, name: h.name, value: h.value }, id);
    }
    (d.routes ?? []).forEach((r: any, i: number) => {
      const rid = newId("route");
      app.store.insert("route", rid, { id: rid, type: r.type, source: r.source, destination: r.destination, priority: r.priority ?? i }, id);
    });
  }
  if (top.environmentId) addToEnvironment(app, top.environmentId, [id]);
  const { deploy } = app.lifecycle.create(rec, { trigger: "api", firstBuild: true }, ctx.effects);
  return { status: 201, body: { deployId: deploy.id, service: renderService(app, app.store.get<ServiceRec>("service", id)!) } };
}

function list(ctx: Ctx) {
  const { app, query } = ctx;
  const names = listParam(query, "name");
  const types = enumListParam(query, "type", SERVICE_TYPES);
  const envIds = listParam(query, "environmentId");
  const runtimes = enumListParam(query, "env", ["docker", "elixir", "go", "node", "python", "ruby", "rust", "image"]);
  const regions = enumListParam(query, "region", ["frankfurt", "oregon", "ohio", "singapore", "virginia"]);
  const suspended = enumListParam(query, "suspended", ["suspended", "not_suspended"]);
  const owners = listParam(query, "ownerId");
  boolParam(query, "includePreviews", true);
  const inTime = timeFilter(query);
  const rows = app.store
    .list<ServiceRec>("service")
    .reverse()
    .filter(({ data: s }) => {
      const env = environmentOf(app, s.id);
      return (
        (!names.length || names.includes(s.name)) &&
        (!types.length || types.includes(s.type)) &&
        (!envIds.length || (env !== undefined && envIds.includes(env))) &&
        (!runtimes.length || runtimes.includes(s.details.runtime)) &&
        (!regions.length || regions.includes(s.details.region ?? "oregon")) &&
        (!suspended.length || suspended.includes(s.suspended ? "suspended" : "not_suspended")) &&
        (!owners.length || owners.includes(s.ownerId)) &&
        inTime(s)
      );
    });
  const scope = `services:${owners.join(",")}`;
  return {
    status: 200,
    body: paginate(
      rows,
      (r) => r.id,
      scope,
      query,
      (cursor, r) => ({ cursor, service: renderService(app, r.data) }),
    ),
  };
}

function update(ctx: Ctx) {
  const { app } = ctx;
  const rec = getService(app, ctx.params.serviceId);
  const { serviceDetails, ...top } = (ctx.body ?? {}) as Record<string, any>;
  check(requestBodyValidator("PATCH", "/services/{serviceId}"), top, "", ctx.nulls);
  validateDetails(ctx, rec.type, serviceDetails, "PATCH");
  if (top.name !== undefined) rec.name = top.name;
  if (top.autoDeploy !== undefined) rec.autoDeploy = top.autoDeploy;
  if (top.repo !== undefined && rec.repo !== undefined) rec.repo = top.repo;
  if (top.branch !== undefined && rec.repo !== undefined) rec.branch = top.branch;
  if (top.rootDir !== undefined) rec.rootDir = top.rootDir;
  if (top.buildFilter !== undefined) rec.buildFilter = { ignoredPaths: top.buildFilter.ignoredPaths ?? [], paths: top.buildFilter.paths ?? [] };
  if (top.image?.imagePath !== undefined) {
    if (rec.imagePath === undefined) throw new ApiError(400, `"image" can only be changed on an image-backed service`);
    rec.imagePath = normalizeImage(top.image.imagePath);
  }
  const d = (serviceDetails ?? {}) as Record<string, any>;
  for (const k of [
    "plan",
    "healthCheckPath",
    "maintenanceMode",
    "runtime",
    "maxShutdownDelaySeconds",
    "renderSubdomainPolicy",
    "ipAllowList",
    "buildCommand",
    "publishPath",
    "schedule",
    "cache",
  ]) {
    if (d[k] !== undefined) rec.details[k] = d[k];
  }
  if (d.envSpecificDetails) rec.details.envSpecificDetails = { ...(rec.details.envSpecificDetails ?? {}), ...d.envSpecificDetails };
  if (d.previews?.generation) rec.details.previews = { generation: d.previews.generation };
  // An empty pre-deploy command clears a set one but does not add the key to services that never had one.
  if (d.preDeployCommand !== undefined && (d.preDeployCommand !== "" || rec.preDeployCommand !== undefined)) rec.preDeployCommand = d.preDeployCommand;
  rec.updatedAt = nowNs().toString();
  app.store.put("service", rec.id, rec);
  return { status: 200, body: renderService(app, rec) };
}

/** Deletes a service and everything that hangs off it; the data plane stops serving it. */
function deleteServiceCascade(app: SimApp, rec: ServiceRec, effects: Array<() => unknown>): void {
  for (const d of app.store.list<DeployRec>("deploy", rec.id)) app.lifecycle.cancel(d.data, []);
  for (const kind of ["deploy", "deployEnv", "svcEnv", "svcFile", "customDomain", "header", "route", "event", "disk"] as const)
    app.store.deleteChildren(kind, rec.id);
  app.store.delete("notifOverride", rec.id);
  app.store.delete("logStream", rec.id);
  removeFromEnvironment(app, [rec.id]);
  for (const g of app.store.list<{ serviceIds: string[] }>("envGroup")) {
    if (g.data.serviceIds.includes(rec.id)) app.store.put("envGroup", g.id, { ...g.data, serviceIds: g.data.serviceIds.filter((s) => s !== rec.id) });
  }
  app.store.delete("service", rec.id);
  effects.push(() => app.dataPlane.remove(rec.id));
}

function setSuspended(ctx: Ctx, suspended: boolean) {
  const { app } = ctx;
  const rec = getService(app, ctx.params.serviceId);
  if (rec.suspended !== suspended) {
    rec.suspended = suspended;
    rec.updatedAt = nowNs().toString();
    app.store.put("service", rec.id, rec);
    recordEvent(app, rec.id, suspended ? "service_suspended" : "service_resumed", {});
    scheduleApply(app, ctx.effects, rec.id);
  }
  return { status: 202 };
}

function assertScalable(rec: ServiceRec): void {
  if (rec.type === "static_site" || rec.type === "cron_job") throw new ApiError(400, `a ${rec.type} has no instances to scale`);
}

function scale(ctx: Ctx) {
  const { app } = ctx;
  const rec = getService(app, ctx.params.serviceId);
  assertScalable(rec);
  const n = ctx.body?.numInstances as number;
  if (n < 1 || n > 100) throw new ApiError(400, `invalid value for "numInstances": must be between 1 and 100`);
  const from = rec.details.numInstances ?? 1;
  if (from !== n) {
    rec.details.numInstances = n;
    rec.updatedAt = nowNs().toString();
    app.store.put("service", rec.id, rec);
    recordEvent(app, rec.id, "instance_count_changed", { fromInstances: from, toInstances: n });
    scheduleApply(app, ctx.effects, rec.id);
  }
  return { status: 202 };
}

function putAutoscaling(ctx: Ctx) {
  const { app } = ctx;
  const rec = getService(app, ctx.params.serviceId);
  assertScalable(rec);
  const a = ctx.body as { enabled: boolean; min: number; max: number; criteria: unknown };
  if (a.min > a.max) throw new ApiError(400, `invalid autoscaling: "min" (${a.min}) must not exceed "max" (${a.max})`);
  const from = rec.details.autoscaling;
  rec.details.autoscaling = sortKeys({ criteria: a.criteria, enabled: a.enabled, max: a.max, min: a.min });
  rec.updatedAt = nowNs().toString();
  app.store.put("service", rec.id, rec);
  recordEvent(app, rec.id, "autoscaling_config_changed", { fromConfig: from, toConfig: rec.details.autoscaling });
  return { status: 200, body: rec.details.autoscaling };
}

function deleteAutoscaling(ctx: Ctx) {
  const { app } = ctx;
  const rec = getService(app, ctx.params.serviceId);
  if (rec.details.autoscaling) {
    delete rec.details.autoscaling;
    rec.updatedAt = nowNs().toString();
    app.store.put("service", rec.id, rec);
  }
  return { status: 204 };
}

export function serviceRoutes(): Route[] {
  return [
    { method: "POST", template: "/services", handler: create, validate: false },
    { method: "GET", template: "/services", handler: list },
    {
      method: "GET",
      template: "/services/{serviceId}",
      handler: (ctx) => ({ status: 200, body: renderService(ctx.app, getService(ctx.app, ctx.params.serviceId)) }),
    },
    { method: "PATCH", template: "/services/{serviceId}", handler: update, validate: false },
    {
      method: "DELETE",
      template: "/services/{serviceId}",
      handler: (ctx) => {
        deleteServiceCascade(ctx.app, getService(ctx.app, ctx.params.serviceId), ctx.effects);
        return { status: 204 };
      },
    },
    { method: "POST", template: "/services/{serviceId}/suspend", handler: (ctx) => setSuspended(ctx, true) },
    { method: "POST", template: "/services/{serviceId}/resume", handler: (ctx) => setSuspended(ctx, false) },
    {
      method: "POST",
      template: "/services/{serviceId}/restart",
      handler: (ctx) => {
        const rec = getService(ctx.app, ctx.params.serviceId);
        recordEvent(ctx.app, rec.id, "server_restarted", {});
        scheduleApply(ctx.app, ctx.effects, rec.id);
        return { status: 200 };
      },
    },
    { method: "POST", template: "/services/{serviceId}/scale", handler: scale },
    { method: "PUT", template: "/services/{serviceId}/autoscaling", handler: putAutoscaling },
    { method: "DELETE", template: "/services/{serviceId}/autoscaling", handler: deleteAutoscaling },
    {
      method: "GET",
      template: "/services/{serviceId}/instances",
      handler: (ctx) => {
        const rec = getService(ctx.app, ctx.params.serviceId);
        const n = rec.suspended ? 0 : (rec.details.numInstances ?? 1);
        return {
          status: 200,
          body: Array.from({ length: n }, (_, i) => ({ createdAt: microStamp(rec.updatedAt), id: `${rec.id}-${rec.slug.slice(0, 5)}${i}` })),
        };
      },
    },
  ];
}
