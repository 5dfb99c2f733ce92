import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isNotFound } from "../../render/errors";
import { checkWith } from "../check";
import { configureProvider, providerClient } from "../context";
import { diffBySpec, DiffSpec } from "../diff";
import { resourceFields } from "../fields";
import { gone, readResult } from "../read-result";
import { deployToApplyEnv } from "./redeploy";

/** Checked inputs of an EnvGroupLink: which group is linked to which service ({@link envGroupLinkFields}). */
export const envGroupLinkInputsSchema = z
  .object({
    /** The env group `evg-…` (replacement). */
    envGroupId: z.string().regex(/^evg-[a-z0-9]+$/, "envGroupId must be an env group id like evg-…"),
    /** The service `srv-…`/`crn-…` (replacement). */
    serviceId: z.string().regex(/^(srv|crn)-[a-z0-9]+$/, "serviceId must be a service id like srv-…"),
  })
  .strict();
type EnvGroupLinkInputs = z.infer<typeof envGroupLinkInputsSchema>;

/** Both ends identify the link: changing either is a new link. */
export const envGroupLinkFields = resourceFields(envGroupLinkInputsSchema, { envGroupId: "replace", serviceId: "replace" }, z.object({}));

/** Outputs: the inputs. */
export type EnvGroupLinkOutputs = EnvGroupLinkInputs;

/** Replacement only (derived from {@link envGroupLinkFields}). */
const envGroupLinkDiffSpec: DiffSpec<EnvGroupLinkInputs> = envGroupLinkFields.diffSpec;

const linkId = (i: EnvGroupLinkInputs): string => `${i.envGroupId}/${i.serviceId}`;

/** The dynamic provider for `render:EnvGroupLink`, typed with its checked inputs and its outputs. */
const envGroupLinkProvider = {
  configure: configureProvider,

  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith("EnvGroupLink", envGroupLinkInputsSchema, news);
  },

  async diff(_id: string, olds: EnvGroupLinkOutputs, news: EnvGroupLinkInputs) {
    return diffBySpec(envGroupLinkDiffSpec, olds, news);
  },

  // Linking is naturally idempotent (a second link is the same link), so create needs no separate lookup. The
  // group's values reach the service with its next deploy (Render applies env changes on deploy), so it deploys.
  async create(news: EnvGroupLinkInputs) {
    const render = providerClient();
    await render.envGroups.linkService(news.envGroupId, news.serviceId);
    await deployToApplyEnv(render, news.serviceId);
    return { id: linkId(news), outs: { ...news } };
  },

  async read(id: string, props?: EnvGroupLinkOutputs) {
    const [envGroupId, serviceId] = id.split("/");
    try {
      const g = await providerClient().envGroups.get(envGroupId);
      if (!g.serviceLinks.some((l) => l.id === serviceId)) return gone<EnvGroupLinkOutputs>();
      const live = { envGroupId, serviceId };
      return readResult(id, { ...props, ...live }, live);
    } catch (e) {
      if (isNotFound(e)) return gone<EnvGroupLinkOutputs>();
      throw e;
    }
  },

  async update(_id: string, _olds: EnvGroupLinkOutputs, news: EnvGroupLinkInputs) {
    return { outs: { ...news } };
  },

  async delete(_id: string, props: EnvGroupLinkOutputs) {
    try {
      await providerClient().envGroups.unlinkService(props.envGroupId, props.serviceId);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
} satisfies pulumi.dynamic.ResourceProvider<EnvGroupLinkInputs, EnvGroupLinkOutputs>;

/** The same provider as the loader (`lazyProvider`) and the engine see it: property bags. */
export const provider: pulumi.dynamic.ResourceProvider = envGroupLinkProvider;
