import type { SimApp } from "../app";
import { getService, scheduleApply } from "../domain/services";
import type { Ctx, Route } from "../http/router";
import { paginate } from "../render/cursor";
import { ApiError } from "../render/errors";
import { newId } from "../render/ids";
import { sortKeys } from "../render/json";
import { microStamp, nanoStamp, nowNs } from "../render/time";
import { enumListParam, listParam, timeParam } from "./params";

/** A custom domain as stored. */
interface CustomDomainRec {
  id: string;
  serviceId: string;
  name: string;
  domainType: "apex" | "subdomain";
  publicSuffix: string;
  redirectForName: string;
  verificationStatus: "verified" | "unverified";
  createdAt: string;
}

const MULTI_LABEL_SUFFIXES = new Set(["co.uk", "org.uk", "ac.uk", "com.au", "net.au", "co.jp", "co.nz", "com.br", "co.in"]);

function publicSuffixOf(name: string): string {
  const labels = name.split(".");
  const two = labels.slice(-2).join(".");
  return MULTI_LABEL_SUFFIXES.has(two) ? two : labels[labels.length - 1];
}

function isApex(name: string): boolean {
  return name.split(".").length === publicSuffixOf(name).split(".").length + 1;
}

function render(rec: CustomDomainRec, nano = false): Record<string, unknown> {
  return sortKeys({
    createdAt: nano ? nanoStamp(rec.createdAt) : microStamp(rec.createdAt),
    domainType: rec.domainType,
    id: rec.id,
    name: rec.name,
    publicSuffix: rec.publicSuffix,
    redirectForName: rec.redirectForName,
    verificationStatus: rec.verificationStatus,
  });
}

/** Domain names are unique across all services, as on Render. */
function findByName(app: SimApp, name: string) {
  return app.store.list<CustomDomainRec>("customDomain").find((d) => d.data.name === name);
}

function getOne(ctx: Ctx): CustomDomainRec {
  const svc = getService(ctx.app, ctx.params.serviceId);
  const key = ctx.params.customDomainIdOrName;
  const found = ctx.app.store.list<CustomDomainRec>("customDomain", svc.id).find((d) => d.id === key || d.data.name === key.toLowerCase());
  if (!found) throw new ApiError(404, `not found: ${key}`);
  return found.data;
}

function create(ctx: Ctx) {
  const { app } = ctx;
  const svc = getService(app, ctx.params.serviceId);
  if (svc.type !== "web_service" && svc.type !== "static_site")
    throw new ApiError(400, `custom domains can only be added to web services and static sites, not a ${svc.type}`);
  const name = String(ctx.body.name).trim().toLowerCase().replace(/\.$/, "");
  if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(name)) {
    throw new ApiError(400, `invalid value for "name": ${JSON.stringify(ctx.body.name)} is not a domain name`);
  }
  const names = isApex(name) ? [name, `www.${name}`] : [name];
  for (const n of names) if (findByName(app, n)) throw new ApiError(409, `custom domain ${n} is already in use`);
  // Adding an apex domain also adds its www subdomain, which redirects to it (hence Render's array answer).
  const created = names.map((n, i) => {
    const rec: CustomDomainRec = {
      id: newId("customDomain"),
      serviceId: svc.id,
      name: n,
      domainType: i === 0 && names.length === 2 ? "apex" : "subdomain",
      publicSuffix: publicSuffixOf(n),
      redirectForName: i === 1 ? name : "",
      verificationStatus: "unverified",
      createdAt: nowNs().toString(),
    };
    app.store.insert("customDomain", rec.id, rec, svc.id);
    return rec;
  });
  scheduleApply(app, ctx.effects, svc.id);
  return { status: 201, body: created.map((c) => render(c, true)) };
}

function list(ctx: Ctx) {
  const { app, query } = ctx;
  const svc = getService(app, ctx.params.serviceId);
  const names = listParam(query, "name");
  const types = enumListParam(query, "domainType", ["apex", "subdomain"]);
  const statuses = enumListParam(query, "verificationStatus", ["verified", "unverified"]);
  const before = timeParam(query, "createdBefore");
  const after = timeParam(query, "createdAfter");
  const rows = app.store
    .list<CustomDomainRec>("customDomain", svc.id)
    .reverse()
    .filter(({ data: d }) => {
      const c = Date.parse(microStamp(d.createdAt));
      return (
        (!names.length || names.includes(d.name)) &&
        (!types.length || types.includes(d.domainType)) &&
        (!statuses.length || statuses.includes(d.verificationStatus)) &&
        (before === undefined || c < before) &&
        (after === undefined || c > after)
      );
    });
  return {
    status: 200,
    body: paginate(
      rows,
      (r) => r.id,
      `domains:${svc.id}`,
      query,
      (cursor, r) => ({ cursor, customDomain: render(r.data) }),
    ),
  };
}

export function customDomainRoutes(): Route[] {
  const base = "/services/{serviceId}/custom-domains";
  return [
    { method: "POST", template: base, handler: create },
    { method: "GET", template: base, handler: list },
    { method: "GET", template: `${base}/{customDomainIdOrName}`, handler: (ctx) => ({ status: 200, body: render(getOne(ctx)) }) },
    {
      method: "DELETE",
      template: `${base}/{customDomainIdOrName}`,
      handler: (ctx) => {
        const rec = getOne(ctx);
        ctx.app.store.delete("customDomain", rec.id);
        scheduleApply(ctx.app, ctx.effects, rec.serviceId);
        return { status: 204 };
      },
    },
    {
      method: "POST",
      template: `${base}/{customDomainIdOrName}/verify`,
      handler: (ctx) => {
        // The simulator's DNS is the data plane's Host routing, so verification always succeeds.
        const rec = getOne(ctx);
        ctx.app.store.put("customDomain", rec.id, { ...rec, verificationStatus: "verified" });
        return { status: 202 };
      },
    },
  ];
}
