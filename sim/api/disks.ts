import type { SimApp } from "../app";
import { getService, type ServiceRec } from "../domain/services";
import type { Route } from "../http/router";
import { paginate } from "../render/cursor";
import { newId } from "../render/ids";
import { listParam, timeFilter } from "./params";
import { ApiError, notFound } from "../render/errors";
import { sortKeys } from "../render/json";
import { microStamp, nowNs } from "../render/time";

interface DiskRec {
  id: string;
  name: string;
  mountPath: string;
  sizeGB: number;
  serviceId: string;
  createdAt: string;
  updatedAt: string;
}

function getDisk(app: SimApp, id: string): DiskRec {
  const d = app.store.get<DiskRec>("disk", id);
  if (!d) throw notFound(id);
  return d;
}

function render(d: DiskRec): Record<string, unknown> {
  return sortKeys({ ...d, createdAt: microStamp(d.createdAt), updatedAt: microStamp(d.updatedAt) });
}

/** Disks attached at service creation; PATCH echoes the whole disk and only bumps `updatedAt` on a real change. */
export function diskRoutes(): Route[] {
  return [
    {
      method: "POST",
      template: "/disks",
      handler: (ctx) => {
        const b = ctx.body as { name: string; sizeGB: number; mountPath: string; serviceId: string };
        const svc = getService(ctx.app, b.serviceId);
        if (svc.type === "static_site" || svc.type === "cron_job") throw new ApiError(400, `a ${svc.type} cannot have a disk`);
        if (svc.diskId) throw new ApiError(409, `service ${svc.id} already has disk ${svc.diskId}; a service has at most one`);
        if (!(b.sizeGB >= 1)) throw new ApiError(400, `invalid value for "sizeGB": must be at least 1`);
        const now = nowNs().toString();
        const d: DiskRec = { id: newId("disk"), name: b.name, mountPath: b.mountPath, sizeGB: b.sizeGB, serviceId: svc.id, createdAt: now, updatedAt: now };
        ctx.app.store.insert("disk", d.id, d, svc.id);
        ctx.app.store.put<ServiceRec>("service", svc.id, { ...svc, diskId: d.id });
        return { status: 201, body: render(d) };
      },
    },
    {
      method: "GET",
      template: "/disks",
      handler: (ctx) => {
        const q = ctx.query;
        const owners = listParam(q, "ownerId");
        const ids = listParam(q, "diskId");
        const names = listParam(q, "name");
        const services = listParam(q, "serviceId");
        const inTime = timeFilter(q);
        const rows = ctx.app.store
          .list<DiskRec>("disk")
          .reverse()
          .filter(({ data: d }) => {
            const owner = ctx.app.store.get<ServiceRec>("service", d.serviceId)?.ownerId;
            return (
              (!owners.length || (owner !== undefined && owners.includes(owner))) &&
              (!ids.length || ids.includes(d.id)) &&
              (!names.length || names.includes(d.name)) &&
              (!services.length || services.includes(d.serviceId)) &&
              inTime(d)
            );
          });
        return {
          status: 200,
          body: paginate(
            rows,
            (r) => r.id,
            "disks",
            q,
            (cursor, r) => ({ cursor, disk: render(r.data) }),
          ),
        };
      },
    },
    { method: "GET", template: "/disks/{diskId}", handler: (ctx) => ({ status: 200, body: render(getDisk(ctx.app, ctx.params.diskId)) }) },
    {
      method: "PATCH",
      template: "/disks/{diskId}",
      handler: (ctx) => {
        const d = getDisk(ctx.app, ctx.params.diskId);
        const b = (ctx.body ?? {}) as Partial<DiskRec>;
        if (b.sizeGB !== undefined && b.sizeGB < d.sizeGB) throw new ApiError(400, `invalid value for "sizeGB": disks can only grow (now ${d.sizeGB} GB)`);
        const next = {
          ...d,
          ...(b.name !== undefined ? { name: b.name } : {}),
          ...(b.mountPath !== undefined ? { mountPath: b.mountPath } : {}),
          ...(b.sizeGB !== undefined ? { sizeGB: b.sizeGB } : {}),
        };
        if (next.name !== d.name || next.mountPath !== d.mountPath || next.sizeGB !== d.sizeGB) next.updatedAt = nowNs().toString();
        ctx.app.store.put("disk", d.id, next);
        return { status: 200, body: render(next) };
      },
    },
    {
      method: "DELETE",
      template: "/disks/{diskId}",
      handler: (ctx) => {
        const d = getDisk(ctx.app, ctx.params.diskId);
        ctx.app.store.delete("disk", d.id);
        const svc = ctx.app.store.get<{ diskId?: string }>("service", d.serviceId);
        if (svc) ctx.app.store.put("service", d.serviceId, { ...svc, diskId: undefined });
        return { status: 204 };
      },
    },
  ];
}
