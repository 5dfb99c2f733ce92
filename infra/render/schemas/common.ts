import { z } from "zod";

/** Render regions (openapi `region`). */
export const regionSchema = z.enum(["frankfurt", "oregon", "ohio", "singapore", "virginia"]);
export type Region = z.infer<typeof regionSchema>;

/** `{cidrBlock, description}`; Render returns `null` for an empty allow list (cassette-notes §3). */
export const cidrSchema = z.looseObject({ cidrBlock: z.string(), description: z.string().optional() });
export const ipAllowListSchema = z
  .array(cidrSchema)
  .nullish()
  .transform((v) => v ?? []);

/** Render's `owner` object (workspace). */
export const ownerSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  email: z.string().optional(),
  type: z.enum(["user", "team"]),
});
export type Owner = z.infer<typeof ownerSchema>;
