import { z } from "zod";
import { ipAllowListSchema, regionSchema } from "./common";

/** Service types of Render's API (all five are managed by `render:Service`). */
export const serviceTypeSchema = z.enum(["web_service", "private_service", "background_worker", "static_site", "cron_job"]);
export type ServiceType = z.infer<typeof serviceTypeSchema>;

export const runtimeSchema = z.enum(["docker", "elixir", "go", "node", "python", "ruby", "rust", "image"]);
export type Runtime = z.infer<typeof runtimeSchema>;

/** Instance types for services (openapi `plan`). */
export const servicePlanSchema = z.enum(["starter", "starter_plus", "standard", "standard_plus", "pro", "pro_plus", "pro_max", "pro_ultra", "free", "custom"]);
export type ServicePlan = z.infer<typeof servicePlanSchema>;

const criterionSchema = z.looseObject({ enabled: z.boolean(), percentage: z.number().int() });
/** Autoscaling config; present on a service only while configured. */
export const autoscalingSchema = z.looseObject({
  enabled: z.boolean(),
  min: z.number().int(),
  max: z.number().int(),
  criteria: z.looseObject({ cpu: criterionSchema, memory: criterionSchema }),
});
export type Autoscaling = z.infer<typeof autoscalingSchema>;

const envSpecificDetailsSchema = z.looseObject({
  buildCommand: z.string().optional(),
  startCommand: z.string().optional(),
  dockerCommand: z.string().optional(),
  dockerContext: z.string().optional(),
  dockerfilePath: z.string().optional(),
  preDeployCommand: z.string().optional(),
});

/** The union of the per-type `serviceDetails` shapes, loosely: each type fills a subset. */
export const serviceDetailsSchema = z.looseObject({
  autoscaling: autoscalingSchema.optional(),
  env: runtimeSchema.optional(),
  runtime: runtimeSchema.optional(),
  envSpecificDetails: envSpecificDetailsSchema.optional(),
  healthCheckPath: z.string().optional(),
  numInstances: z.number().int().optional(),
  plan: servicePlanSchema.optional(),
  region: regionSchema.optional(),
  url: z.string().optional(),
  preDeployCommand: z.string().optional(),
  maxShutdownDelaySeconds: z.number().int().optional(),
  buildCommand: z.string().optional(),
  publishPath: z.string().optional(),
  /** Cron jobs: the cron expression (UTC) Render starts runs on. */
  schedule: z.string().optional(),
  ipAllowList: ipAllowListSchema.optional(),
});

/** A Render service (openapi `service`). */
export const serviceSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  ownerId: z.string(),
  type: serviceTypeSchema,
  autoDeploy: z.enum(["yes", "no"]),
  branch: z.string().optional(),
  repo: z.string().optional(),
  imagePath: z.string().optional(),
  buildFilter: z.looseObject({ paths: z.array(z.string()).nullish(), ignoredPaths: z.array(z.string()).nullish() }).nullish(),
  rootDir: z.string().optional(),
  environmentId: z.string().optional(),
  slug: z.string(),
  dashboardUrl: z.string().optional(),
  suspended: z.enum(["suspended", "not_suspended"]),
  suspenders: z.array(z.string()).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  serviceDetails: serviceDetailsSchema,
});
export type Service = z.infer<typeof serviceSchema>;

/** `POST /services` answer. */
export const serviceAndDeploySchema = z.looseObject({ service: serviceSchema, deployId: z.string().optional() });

/** `GET /services/{id}/instances` items. */
export const serviceInstanceSchema = z.looseObject({ id: z.string(), createdAt: z.string() });
