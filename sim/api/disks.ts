import type { SimApp } from "../app";
import type { Route } from "../http/router";
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
    { method: "GET", template: "/disks/{diskId}", handler: (ctx) => ({ status: 200, body: render(getDisk(ctx.app, ctx.params.diskId)) }) },
    {
      method: "PATCH",
      template: "/disks/{diskId}",
      handler: (ctx) => {
        const d = getDisk(ctx.app, ctx.params.diskId);
        const b = (ctx.body ?? {}) as Partial<DiskRec>;
        if (b.sizeGB !== undefined && b.sizeGB < d.sizeGB) throw new ApiError(400, `invalid value for "sizeGB": disks can only grow (now ${d.sizeGB} GB)`);
        const next = { ...d, ...(b.name !== undefined ? { name: b.name } : {}), ...(b.mountPath !== undefined ? { mountPath: b.mountPath } : {}), ...(b.sizeGB !== undefined ? { sizeGB: b.sizeGB } : {}) };
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
