import { z } from "zod";

/** `{key, value}`; the value is secret. */
export const envVarSchema = z.looseObject({ key: z.string(), value: z.string() });
export type EnvVar = z.infer<typeof envVarSchema>;

/** `{name, content}`; the content is secret. */
export const secretFileSchema = z.looseObject({ name: z.string(), content: z.string() });
export type SecretFile = z.infer<typeof secretFileSchema>;

export const envVarWithCursorSchema = z.looseObject({ envVar: envVarSchema, cursor: z.string() });
export const secretFileWithCursorSchema = z.looseObject({ secretFile: secretFileSchema, cursor: z.string() });

/** A service linked to an env group. */
export const envGroupLinkSchema = z.looseObject({ id: z.string(), name: z.string().optional(), type: z.string().optional() });

/** Env group metadata (list answers carry no values). */
export const envGroupMetaSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  ownerId: z.string(),
  environmentId: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  serviceLinks: z
    .array(envGroupLinkSchema)
    .nullish()
    .transform((v) => v ?? []),
});
export type EnvGroupMeta = z.infer<typeof envGroupMetaSchema>;

/** A whole env group, as POST/GET/PATCH and the per-key PUTs return it. */
export const envGroupSchema = envGroupMetaSchema.extend({
  envVars: z
    .array(envVarSchema)
    .nullish()
    .transform((v) => v ?? []),
  secretFiles: z
    .array(secretFileSchema)
    .nullish()
    .transform((v) => v ?? []),
});
export type EnvGroup = z.infer<typeof envGroupSchema>;
