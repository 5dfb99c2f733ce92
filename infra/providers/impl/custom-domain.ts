import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isNotFound } from "../../render/errors";
import { CustomDomain } from "../../render/schemas/domain";
import { createOrAdopt } from "../adopt";
import { checkWith } from "../check";
import { assertAdoptable, configureProvider, providerClient } from "../context";
import { diffBySpec, DiffSpec } from "../diff";
import { resourceFields } from "../fields";
import { gone, readResult } from "../read-result";

/** Checked inputs of a CustomDomain ({@link customDomainFields}); changing serviceId or name replaces the domain. */
export const customDomainInputsSchema = z
  .object({
    /** The service `srv-…` (a web service or static site). */
    serviceId: z
      .string()
      // Render serves custom domains on web services and static sites only; a cron job's id says what it is.
      .refine((s) => !/^crn-/.test(s), "a cron job (crn-…) has no custom domains: point serviceId at a web service or static site, or remove the domain")
      .regex(/^(srv|crn)-[a-z0-9]+$/, "serviceId must be a service id like srv-…"),
    /** Host name, e.g. `api.example.com`. */
    name: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "name must be a DNS host name such as api.example.com"),
    /** Ask Render to re-check DNS after creating (default true). */
    verify: z.boolean().default(true),
  })
  .strict();
type CustomDomainInputs = z.infer<typeof customDomainInputsSchema>;

/** Render's view of the domain. */
const customDomainComputedSchema = z.object({
  /** `cdm-…` (same as `id`). */
  domainId: z.string(),
  domainType: z.string(),
  /** `verified` or `unverified` (refresh to see DNS progress). */
  verificationStatus: z.enum(["verified", "unverified"]),
  publicSuffix: z.string().optional(),
});

/**
 * A domain cannot move between services or be renamed in place (Render has no PATCH for custom domains): both are
 * replacements. `verify` is read at create only: a change is recorded, nothing is sent.
 */
export const customDomainFields = resourceFields(
  customDomainInputsSchema,
  { serviceId: "replace", name: "replace", verify: "state" },
  customDomainComputedSchema,
);

/** Outputs: inputs plus Render's view of the domain. */
export type CustomDomainOutputs = CustomDomainInputs & z.output<typeof customDomainComputedSchema>;

/** In place vs replacement (derived from {@link customDomainFields}). */
const customDomainDiffSpec: DiffSpec<CustomDomainInputs> = customDomainFields.diffSpec;

function outputs(i: CustomDomainInputs, d: CustomDomain): CustomDomainOutputs {
  const suffix = d.publicSuffix ? { publicSuffix: d.publicSuffix } : {};
  return { ...i, domainId: d.id, domainType: d.domainType, verificationStatus: d.verificationStatus, ...suffix };
}

async function findByName(serviceId: string, name: string): Promise<CustomDomain | undefined> {
  try {
    return await providerClient().customDomains.get(serviceId, name);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The dynamic provider for `render:CustomDomain`, typed with its checked inputs and its outputs. */
const customDomainProvider = {
  configure: configureProvider,

  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith("CustomDomain", customDomainInputsSchema, news);
  },

  async diff(_id: string, olds: CustomDomainOutputs, news: CustomDomainInputs) {
    return diffBySpec(customDomainDiffSpec, olds, news);
  },

  async create(news: CustomDomainInputs) {
    const render = providerClient();
    const { resource, adopted } = await createOrAdopt({
      find: () => findByName(news.serviceId, news.name),
      create: () => render.customDomains.create(news.serviceId, news.name),
    });
    let d = resource;
    if (adopted) await assertAdoptable(render, d.name, `services/${news.serviceId}/custom-domains`);
    if (news.verify && d.verificationStatus !== "verified") {
      await render.customDomains.verify(news.serviceId, d.id);
      d = (await findByName(news.serviceId, d.id)) ?? d;
    }
    return { id: d.id, outs: outputs(news, d) };
  },

  async read(id: string, props?: CustomDomainOutputs) {
    if (!props) throw new Error(`CustomDomain ${id}: reading needs the state's serviceId (custom domains are looked up per service)`);
    const d = await findByName(props.serviceId, id);
    if (!d) return gone<CustomDomainOutputs>();
    const live = { serviceId: props.serviceId, name: d.name, verify: props.verify ?? true };
    return readResult(id, outputs(live, d), live);
  },

  async update(id: string, _olds: CustomDomainOutputs, news: CustomDomainInputs) {
    const d = await findByName(news.serviceId, id);
    if (!d) throw new Error(`CustomDomain ${news.name}: not found on ${news.serviceId}; run pulumi refresh`);
    return { outs: outputs(news, d) };
  },

  async delete(id: string, props: CustomDomainOutputs) {
    try {
      await providerClient().customDomains.delete(props.serviceId, id);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
} satisfies pulumi.dynamic.ResourceProvider<CustomDomainInputs, CustomDomainOutputs>;

/** The same provider as the loader (`lazyProvider`) and the engine see it: property bags. */
export const provider: pulumi.dynamic.ResourceProvider = customDomainProvider;
