import { getService, isImageBacked, normalizeImage } from "../domain/services";
import type { Ctx, Route } from "../http/router";
import { renderDeploy, type DeployRec } from "../lifecycle/deploys";
import { paginate } from "../render/cursor";
import { ApiError } from "../render/errors";
import { microStamp } from "../render/time";
import { enumListParam, timeParam } from "./params";

const STATUSES = [
  "created",
  "queued",
  "build_in_progress",
  "update_in_progress",
  "live",
  "deactivated",
  "build_failed",
  "update_failed",
  "canceled",
  "pre_deploy_in_progress",
  "pre_deploy_failed",
] as const;

function getDeploy(ctx: Ctx): DeployRec {
  const svc = getService(ctx.app, ctx.params.serviceId);
  const d = ctx.app.store.get<DeployRec>("deploy", ctx.params.deployId);
  if (!d || d.serviceId !== svc.id) throw new ApiError(404, `not found: ${ctx.params.deployId}`);
  return d;
}

function list(ctx: Ctx) {
  const { app, query } = ctx;
  const svc = getService(app, ctx.params.serviceId);
  const statuses = enumListParam(query, "status", STATUSES);
  const bounds = ["createdBefore", "createdAfter", "updatedBefore", "updatedAfter", "finishedBefore", "finishedAfter"].map((n) => timeParam(query, n));
  const ms = (ns?: string | null) => (ns ? Date.parse(microStamp(ns)) : undefined);
  const within = (t: number | undefined, before?: number, after?: number) =>
    (before === undefined || (t !== undefined && t < before)) && (after === undefined || (t !== undefined && t > after));
  const rows = app.store
    .list<DeployRec>("deploy", svc.id)
    .reverse()
    .filter(
      ({ data: d }) =>
        (!statuses.length || statuses.includes(d.status)) &&
        within(ms(d.createdAt), bounds[0], bounds[1]) &&
        within(ms(d.updatedAt), bounds[2], bounds[3]) &&
        within(ms(d.finishedAt), bounds[4], bounds[5]),
    );
  return {
    status: 200,
    body: paginate(
      rows,
      (r) => r.id,
      `deploys:${svc.id}`,
      query,
      (cursor, r) => ({ cursor, deploy: renderDeploy(r.data) }),
    ),
  };
}

function trigger(ctx: Ctx) {
  const { app } = ctx;
  const svc = getService(app, ctx.params.serviceId);
  const body = (ctx.body ?? {}) as { clearCache?: string; commitId?: string; imageUrl?: string; deployMode?: string };
  if (body.deployMode && (body.commitId || body.imageUrl || body.clearCache)) {
    throw new ApiError(400, `"deployMode" cannot be combined with "commitId", "imageUrl" or "clearCache"`);
  }
  if (svc.suspended) throw new ApiError(409, `service ${svc.id} is suspended; resume it before deploying`);
  let imageRef: string | undefined;
  if (body.imageUrl !== undefined) {
    if (!isImageBacked(svc)) throw new ApiError(400, `"imageUrl" is only valid for an image-backed service`);
    imageRef = normalizeImage(body.imageUrl);
    const repoOf = (ref: string) => ref.replace(/@.*$/, "").replace(/:[^/:]*$/, "");
    if (repoOf(imageRef) !== repoOf(svc.imagePath!)) {
      throw new ApiError(
        400,
        `"imageUrl" ${JSON.stringify(body.imageUrl)} must have the same host, repository and name as the service's image ${svc.imagePath}`,
      );
    }
  }
  if (body.commitId !== undefined && isImageBacked(svc)) throw new ApiError(400, `"commitId" is not valid for an image-backed service`);
  const { deploy, queued } = app.lifecycle.create(
    svc,
    { trigger: "api", commitId: body.commitId, imageRef, clearCache: body.clearCache === "clear" },
    ctx.effects,
  );
  return queued ? { status: 202 } : { status: 201, body: renderDeploy(deploy, true) };
}

function cancel(ctx: Ctx) {
  const d = getDeploy(ctx);
  if (!ctx.app.lifecycle.cancel(d, ctx.effects)) throw new ApiError(400, `deploy ${d.id} is ${d.status} and can no longer be canceled`);
  return { status: 200, body: renderDeploy(ctx.app.store.get<DeployRec>("deploy", d.id)!) };
}

function rollback(ctx: Ctx) {
  const { app } = ctx;
  const svc = getService(app, ctx.params.serviceId);
  const target = app.store.get<DeployRec>("deploy", ctx.body.deployId);
  if (!target || target.serviceId !== svc.id) throw new ApiError(404, `not found: ${ctx.body.deployId}`);
  if (target.status !== "live" && target.status !== "deactivated") {
    throw new ApiError(400, `deploy ${target.id} is ${target.status}; only a deploy that went live can be rolled back to`);
  }
  const { deploy } = app.lifecycle.create(svc, { trigger: "rollback", from: target }, ctx.effects);
  return { status: 201, body: renderDeploy(deploy, true) };
}

export function deployRoutes(): Route[] {
  return [
    { method: "GET", template: "/services/{serviceId}/deploys", handler: list },
    { method: "POST", template: "/services/{serviceId}/deploys", handler: trigger },
    { method: "GET", template: "/services/{serviceId}/deploys/{deployId}", handler: (ctx) => ({ status: 200, body: renderDeploy(getDeploy(ctx)) }) },
    { method: "POST", template: "/services/{serviceId}/deploys/{deployId}/cancel", handler: cancel },
    { method: "POST", template: "/services/{serviceId}/rollback", handler: rollback },
  ];
}
