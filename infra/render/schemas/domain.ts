import { z } from "zod";

/** A custom domain on a service (openapi `customDomain`). */
export const customDomainSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  domainType: z.enum(["apex", "subdomain"]),
  publicSuffix: z.string().optional(),
  redirectForName: z.string().optional(),
  verificationStatus: z.enum(["verified", "unverified"]),
  createdAt: z.string(),
});
export type CustomDomain = z.infer<typeof customDomainSchema>;
