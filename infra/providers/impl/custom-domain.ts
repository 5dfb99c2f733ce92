import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isNotFound } from "../../render/errors";
import { CustomDomain } from "../../render/schemas/domain";
import { createOrAdopt } from "../adopt";
import { checkWith } from "../check";
import { assertAdoptable, configureProvider, providerClient } from "../context";
import { diffBySpec, DiffSpec } from "../diff";

/** Checked inputs of a CustomDomain. */
export const customDomainInputsSchema = z.object({
  serviceId: z.string()
    // Render serves custom domains on web services and static sites only; a cron job's id says what it is.
    .refine((s) => !/^crn-/.test(s), "a cron job (crn-…) has no custom domains: point serviceId at a web service or static site, or remove the domain")
    .regex(/^(srv|crn)-[a-z0-9]+$/, "serviceId must be a service id like srv-…"),
  name: z.string().trim().toLowerCase()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "name must be a DNS host name such as api.example.com"),
  /** Ask Render to re-check DNS after creating (default true). */
  verify: z.boolean().default(true),
}).strict();
export type CustomDomainInputs = z.infer<typeof customDomainInputsSchema>;

/** Outputs: inputs plus Render's view of the domain. */
export interface CustomDomainOutputs extends CustomDomainInputs {
  domainId: string;
  domainType: string;
  verificationStatus: "verified" | "unverified";
  publicSuffix?: string;
}

/** A domain cannot move between services or be renamed in place: both are replacements. */
export const customDomainDiffSpec: DiffSpec<CustomDomainInputs> = { replace: ["serviceId", "name"], update: ["verify"] };

function outputs(i: CustomDomainInputs, d: CustomDomain): CustomDomainOutputs {
  return { ...i, domainId: d.id, domainType: d.domainType, verificationStatus: d.verificationStatus, ...(d.publicSuffix ? { publicSuffix: d.publicSuffix } : {}) };
}

async function findByName(serviceId: string, name: string): Promise<CustomDomain | undefined> {
  try {
    return await providerClient().customDomains.get(serviceId, name);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The dynamic provider for `render:CustomDomain`. */
export const provider: pulumi.dynamic.ResourceProvider = {
  configure: configureProvider,

  async check(_olds, news) {
    return checkWith("CustomDomain", customDomainInputsSchema, news);
  },

  async diff(_id, olds: CustomDomainOutputs, news: CustomDomainInputs) {
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

  async read(id, props: CustomDomainOutputs) {
    const d = await findByName(props.serviceId, id);
    if (!d) return { id: "", props: {} };
    const live = { serviceId: props.serviceId, name: d.name, verify: props.verify ?? true };
    return { id, props: outputs(live, d), inputs: live };
  },

  async update(id, olds: CustomDomainOutputs, news: CustomDomainInputs) {
    const d = await findByName(news.serviceId, id);
    if (!d) throw new Error(`CustomDomain ${news.name}: not found on ${news.serviceId}; run pulumi refresh`);
    return { outs: outputs(news, d) };
  },

  async delete(id, props: CustomDomainOutputs) {
    try {
      await providerClient().customDomains.delete(props.serviceId, id);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
};
