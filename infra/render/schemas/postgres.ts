import { z } from "zod";
import { POSTGRES_PLANS } from "../../config/render-enums";
import { ipAllowListSchema, ownerSchema, regionSchema } from "./common";

/** Postgres instance types (openapi `postgres.plan`): the legacy ones Render still reports, and the flexible ones. */
export const postgresPlanSchema = z.enum(["free", "starter", "standard", "pro", "pro_plus", "custom", ...POSTGRES_PLANS]);
export type PostgresPlan = z.infer<typeof postgresPlanSchema>;

export const postgresVersionSchema = z.enum(["11", "12", "13", "14", "15", "16", "17", "18"]);

/** A Postgres instance (openapi `postgresDetail`). */
export const postgresSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  owner: ownerSchema.optional(),
  ownerId: z.string().optional(),
  plan: postgresPlanSchema,
  region: regionSchema,
  version: postgresVersionSchema,
  status: z.string(),
  databaseName: z.string(),
  databaseUser: z.string(),
  environmentId: z.string().optional(),
  highAvailabilityEnabled: z.boolean(),
  diskSizeGB: z.number().int().optional(),
  ipAllowList: ipAllowListSchema,
  readReplicas: z
    .array(z.looseObject({ id: z.string(), name: z.string() }))
    .nullish()
    .transform((v) => v ?? []),
  dashboardUrl: z.string().optional(),
  suspended: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Postgres = z.infer<typeof postgresSchema>;

/** Connection info; every field is a secret. */
export const postgresConnectionInfoSchema = z.looseObject({
  password: z.string(),
  internalConnectionString: z.string(),
  externalConnectionString: z.string(),
  psqlCommand: z.string(),
});
export type PostgresConnectionInfo = z.infer<typeof postgresConnectionInfoSchema>;

/** One logical export. */
export const postgresExportSchema = z.looseObject({ id: z.string(), createdAt: z.string(), url: z.string().optional() });
export type PostgresExport = z.infer<typeof postgresExportSchema>;

/** Point-in-time recovery availability. */
export const postgresRecoverySchema = z.looseObject({
  recoveryStatus: z.enum(["AVAILABLE", "BACKUP_NOT_READY", "NOT_AVAILABLE"]),
  startsAt: z.string().optional(),
});
