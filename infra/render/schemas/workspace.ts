import { z } from "zod";
import { ipAllowListSchema } from "./common";

/** A Render environment inside a project. Render sends `null` for empty id lists (cassette-notes §3). */
export const environmentSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  projectId: z.string(),
  protectedStatus: z.enum(["protected", "unprotected"]),
  networkIsolationEnabled: z.boolean().optional(),
  serviceIds: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []),
  databasesIds: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []),
  envGroupIds: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []),
  redisIds: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? []),
  ipAllowList: ipAllowListSchema.optional(),
});
export type Environment = z.infer<typeof environmentSchema>;

/** Per-service notification override; `previewNotificationsEnabled` is a string here, unlike the owner settings. */
export const notificationOverrideSchema = z.looseObject({
  serviceId: z.string(),
  notificationsToSend: z.enum(["default", "none", "failure", "all"]),
  previewNotificationsEnabled: z.enum(["default", "false", "true"]),
});
export type NotificationOverride = z.infer<typeof notificationOverrideSchema>;

/** One metrics time series (`GET /metrics/*`). */
export const metricSeriesSchema = z.looseObject({
  labels: z.array(z.looseObject({ field: z.string(), value: z.string() })),
  values: z.array(z.looseObject({ timestamp: z.string(), value: z.number() })),
  unit: z.string(),
});
export type MetricSeries = z.infer<typeof metricSeriesSchema>;
