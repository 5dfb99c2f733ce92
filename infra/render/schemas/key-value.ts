import { z } from "zod";
import { ipAllowListSchema, ownerSchema, regionSchema } from "./common";

/** Key Value instance types (openapi `keyValuePlan`). */
export const keyValuePlanSchema = z.enum(["free", "starter", "standard", "pro", "pro_plus", "custom"]);

/**
 * `options` of a Key Value instance (openapi `keyValueOptions`: `maxmemoryPolicy` is a free string there, the input
 * enum uses `_`; cassette-notes §3 adds `persistenceMode`). Redis' own spelling (`allkeys-lru`, also the Render
 * dashboard's and Blueprints') is read as the API's (`allkeys_lru`), so the two never show as a difference.
 */
export const keyValueOptionsSchema = z.looseObject({
  maxmemoryPolicy: z
    .string()
    .optional()
    .transform((v) => v?.replace(/-/g, "_")),
  persistenceMode: z.string().optional(),
});

/** A Key Value instance (openapi `keyValueDetail`, and `keyValue` in lists, which adds `dashboardUrl`). */
export const keyValueSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  owner: ownerSchema.optional(),
  ownerId: z.string().optional(),
  plan: keyValuePlanSchema,
  region: regionSchema,
  status: z.string(),
  options: keyValueOptionsSchema.nullish().transform((v) => v ?? { maxmemoryPolicy: undefined, persistenceMode: undefined }),
  /** Render answers `null` for an empty list (cassette-notes §3): read as `[]`. */
  ipAllowList: ipAllowListSchema,
  environmentId: z.string().optional(),
  version: z.string(),
  dashboardUrl: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type KeyValue = z.infer<typeof keyValueSchema>;

/**
 * Connection info (openapi `keyValueConnectionInfo`); every field is a secret (the external string and the CLI
 * command carry the password). The legacy `/redis` API names the command `redisCLICommand`.
 */
export const keyValueConnectionInfoSchema = z.looseObject({
  internalConnectionString: z.string(),
  externalConnectionString: z.string(),
  cliCommand: z.string(),
});
export type KeyValueConnectionInfo = z.infer<typeof keyValueConnectionInfoSchema>;
