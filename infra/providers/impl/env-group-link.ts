import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isNotFound } from "../../render/errors";
import { checkWith } from "../check";
import { configureProvider, providerClient } from "../context";
import { diffBySpec, DiffSpec } from "../diff";
import { deployToApplyEnv } from "./redeploy";

/** Checked inputs of an EnvGroupLink: which group is linked to which service. */
export const envGroupLinkInputsSchema = z.object({
  envGroupId: z.string().regex(/^evg-[a-z0-9]+$/, "envGroupId must be an env group id like evg-…"),
  serviceId: z.string().regex(/^(srv|crn)-[a-z0-9]+$/, "serviceId must be a service id like srv-…"),
}).strict();
export type EnvGroupLinkInputs = z.infer<typeof envGroupLinkInputsSchema>;

/** Both ends identify the link: changing either is a new link. */
export const envGroupLinkDiffSpec: DiffSpec<EnvGroupLinkInputs> = { replace: ["envGroupId", "serviceId"], update: [] };

const linkId = (i: EnvGroupLinkInputs): string => `${i.envGroupId}/${i.serviceId}`;

/** The dynamic provider for `render:EnvGroupLink`. */
export const provider: pulumi.dynamic.ResourceProvider = {
  configure: configureProvider,

  async check(_olds, news) {
    return checkWith("EnvGroupLink", envGroupLinkInputsSchema, news);
  },

  async diff(_id, olds: EnvGroupLinkInputs, news: EnvGroupLinkInputs) {
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

  async read(id, props: EnvGroupLinkInputs) {
    const [envGroupId, serviceId] = id.split("/");
    try {
      const g = await providerClient().envGroups.get(envGroupId);
      if (!g.serviceLinks.some((l) => l.id === serviceId)) return { id: "", props: {} };
      const live = { envGroupId, serviceId };
      return { id, props: { ...props, ...live }, inputs: live };
    } catch (e) {
      if (isNotFound(e)) return { id: "", props: {} };
      throw e;
    }
  },

  async update(_id, _olds, news: EnvGroupLinkInputs) {
    return { outs: { ...news } };
  },

  async delete(_id, props: EnvGroupLinkInputs) {
    try {
      await providerClient().envGroups.unlinkService(props.envGroupId, props.serviceId);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
};
