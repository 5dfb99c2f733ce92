import { DEFAULT_OVERRIDE, type NotificationOverride } from "../domain/notifications";
import { getOwner } from "../domain/owners";
import { getService, type ServiceRec } from "../domain/services";
import type { Ctx, Route } from "../http/router";
import { paginate } from "../render/cursor";
import { sortKeys } from "../render/json";
import { listParam } from "./params";

interface OwnerSettings {
  emailEnabled: boolean;
  notificationsToSend: "none" | "failure" | "all";
  previewNotificationsEnabled: boolean;
  slackEnabled: boolean;
}

const OWNER_DEFAULTS: OwnerSettings = { emailEnabled: true, notificationsToSend: "failure", previewNotificationsEnabled: false, slackEnabled: false };

function ownerSettings(ctx: Ctx): Record<string, unknown> {
  const owner = getOwner(ctx.app, ctx.params.ownerId);
  const s = ctx.app.store.get<OwnerSettings>("ownerNotif", owner.id) ?? OWNER_DEFAULTS;
  return sortKeys({ ...s, ownerId: owner.id });
}

function override(ctx: Ctx, serviceId: string): Record<string, unknown> {
  const o = ctx.app.store.get<NotificationOverride>("notifOverride", serviceId) ?? DEFAULT_OVERRIDE;
  return sortKeys({ ...o, serviceId });
}

export function notificationRoutes(): Route[] {
  return [
    { method: "GET", template: "/notification-settings/owners/{ownerId}", handler: (ctx) => ({ status: 200, body: ownerSettings(ctx) }) },
    {
      method: "PATCH",
      template: "/notification-settings/owners/{ownerId}",
      handler: (ctx) => {
        const owner = getOwner(ctx.app, ctx.params.ownerId);
        const cur = ctx.app.store.get<OwnerSettings>("ownerNotif", owner.id) ?? OWNER_DEFAULTS;
        const b = (ctx.body ?? {}) as Partial<OwnerSettings>;
        const next: OwnerSettings = {
          ...cur,
          ...(b.emailEnabled !== undefined ? { emailEnabled: b.emailEnabled } : {}),
          ...(b.notificationsToSend !== undefined ? { notificationsToSend: b.notificationsToSend } : {}),
          ...(b.previewNotificationsEnabled !== undefined ? { previewNotificationsEnabled: b.previewNotificationsEnabled } : {}),
        };
        ctx.app.store.put("ownerNotif", owner.id, next);
        return { status: 200, body: ownerSettings(ctx) };
      },
    },
    {
      method: "GET",
      template: "/notification-settings/overrides",
      handler: (ctx) => {
        const owners = listParam(ctx.query, "ownerId");
        const services = listParam(ctx.query, "serviceId");
        const rows = ctx.app.store.list<NotificationOverride>("notifOverride").filter((r) => {
          const svc = ctx.app.store.get<ServiceRec>("service", r.id);
          return svc && (!owners.length || owners.includes(svc.ownerId)) && (!services.length || services.includes(r.id));
        });
        return {
          status: 200,
          body: paginate(
            rows,
            (r) => r.id,
            "overrides",
            ctx.query,
            (cursor, r) => ({ cursor, override: sortKeys({ ...r.data, serviceId: r.id, type: "service" }) }),
          ),
        };
      },
    },
    {
      method: "GET",
      template: "/notification-settings/overrides/services/{serviceId}",
      handler: (ctx) => ({ status: 200, body: override(ctx, getService(ctx.app, ctx.params.serviceId).id) }),
    },
    {
      method: "PATCH",
      template: "/notification-settings/overrides/services/{serviceId}",
      handler: (ctx) => {
        const svc = getService(ctx.app, ctx.params.serviceId);
        const cur = ctx.app.store.get<NotificationOverride>("notifOverride", svc.id) ?? DEFAULT_OVERRIDE;
        const b = (ctx.body ?? {}) as Partial<NotificationOverride>;
        ctx.app.store.put("notifOverride", svc.id, { ...cur, ...b });
        return { status: 200, body: override(ctx, svc.id) };
      },
    },
  ];
}
