import { z } from "zod";
import { FlagDefinitionSchema, FlagSetSchema } from "./definition";
import { FlagOverrideSchema, FlagOverridesSchema } from "./override";

/**
 * The edge's flag admin API (Bearer `EDGE_ADMIN_TOKEN`), served by the edge's `flags` extension (`edge-extension.ts`,
 * or `flagAdminHandler` stand-alone) and called by
 * `EdgeAdminClient.flags` of infra/edge-contract (the FeatureFlag provider, `npm run flag`, the guardian's kill-switch action).
 *
 * | method | path | body | answer |
 * |---|---|---|---|
 * | GET | `/__edge/flags` | | {@link FlagListResponseSchema} |
 * | GET | `/__edge/flags/{key}` | | {@link FlagEntryResponseSchema} or 404 |
 * | PUT | `/__edge/flags/{key}` | a flag definition | {@link FlagEntryResponseSchema} (override untouched) |
 * | DELETE | `/__edge/flags/{key}` | | 204 or 404 |
 * | PUT | `/__edge/flags/{key}/override` | {@link OverrideRequestSchema} | {@link FlagEntryResponseSchema} |
 * | DELETE | `/__edge/flags/{key}/override` | | {@link FlagEntryResponseSchema} |
 *
 * Errors: `{ error, issues?: [{ path, message }] }` with 400 (invalid input, field named), 401, 404.
 * Writing a definition never touches an override: only the override routes do. That separation is what lets
 * `pulumi up` reconcile a kill switch instead of undoing it.
 */
export const FLAG_ADMIN_PREFIX = "/__edge/flags";

/** Body of `PUT /admin/flags/{key}/override`. */
export const OverrideRequestSchema = z
  .object({ state: z.enum(["off", "on"]), by: z.string().max(200).optional(), reason: z.string().max(500).optional() })
  .strict();
export type OverrideRequest = z.infer<typeof OverrideRequestSchema>;

/** One flag as the edge holds it. */
export const FlagEntryResponseSchema = z.object({
  key: z.string(),
  definition: FlagDefinitionSchema,
  override: FlagOverrideSchema.optional(),
  revision: z.string(),
});
export type FlagEntryResponse = z.infer<typeof FlagEntryResponseSchema>;

/** Every flag and override. */
export const FlagListResponseSchema = z.object({ revision: z.string(), flags: FlagSetSchema, overrides: FlagOverridesSchema });
export type FlagListResponse = z.infer<typeof FlagListResponseSchema>;

/** An admin API error body. */
export const AdminErrorSchema = z.object({
  error: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
