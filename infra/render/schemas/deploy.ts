import { z } from "zod";

export const deployStatusSchema = z.enum([
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
]);
export type DeployStatus = z.infer<typeof deployStatusSchema>;

/** A deploy (openapi `deploy`); unset times are `null` in Render's answers. */
export const deploySchema = z.looseObject({
  id: z.string(),
  commit: z.looseObject({ id: z.string().optional(), message: z.string().optional() }).nullish(),
  image: z.looseObject({ ref: z.string().optional(), sha: z.string().optional() }).nullish(),
  status: deployStatusSchema.optional(),
  trigger: z.string().optional(),
  createdAt: z.string().nullish(),
  updatedAt: z.string().nullish(),
  startedAt: z.string().nullish(),
  finishedAt: z.string().nullish(),
});
export type Deploy = z.infer<typeof deploySchema>;
