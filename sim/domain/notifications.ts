import type { SimApp } from "../app";

/** A service's notification override as stored (Render uses the strings "default" / "true" / "false"). */
export interface NotificationOverride {
  notificationsToSend: "default" | "none" | "failure" | "all";
  previewNotificationsEnabled: "default" | "true" | "false";
}

export const DEFAULT_OVERRIDE: NotificationOverride = { notificationsToSend: "default", previewNotificationsEnabled: "default" };

/** Render derives the service's `notifyOnFail` from its override (recorded: "failure"/"all" → "notify"). */
export function notifyOnFailOf(app: SimApp, serviceId: string): "default" | "notify" | "ignore" {
  const o = app.store.get<NotificationOverride>("notifOverride", serviceId);
  if (!o || o.notificationsToSend === "default") return "default";
  return o.notificationsToSend === "none" ? "ignore" : "notify";
}
