import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isNotFound } from "../../render/errors";
import { apiPath } from "../../render/http";
import { checkWith } from "../check";
import { configureProvider, PRODUCTION_OWNER_ID, providerClient } from "../context";
import { diffBySpec, type DiffSpec } from "../diff";

const PROVIDERS = ["BETTER_STACK", "GRAFANA", "DATADOG", "NEW_RELIC", "HONEYCOMB", "SIGNOZ", "GROUNDCOVER", "CUSTOM"] as const;

/** Checked inputs of a MetricStream. */
export const metricStreamInputsSchema = z.object({
  ownerId: z.string().regex(/^tea-[a-z0-9]+$/, "ownerId must be a workspace id like tea-…")
    .refine((id) => id !== PRODUCTION_OWNER_ID, "ownerId is AlphaStack's production workspace: its metrics stream is AlphaStack's, not stackguard's; use the environment's own workspace"),
  provider: z.enum(PROVIDERS, { error: `provider must be one of ${PROVIDERS.join(", ")}` }).default("CUSTOM"),
  url: z.string().url("url must be the OTLP/HTTP endpoint's URL, e.g. https://guardian-production.onrender.com"),
  token: z.string().min(16, "token must be at least 16 characters (Render sends it as a Bearer token; use a random secret)"),
}).strict();
export type MetricStreamInputs = z.infer<typeof metricStreamInputsSchema>;

const streamSchema = z.object({ ownerId: z.string(), provider: z.string(), url: z.string() });

/** Render keeps one stream per workspace: a new owner is a new stream; the rest is updated in place. */
export const metricStreamDiffSpec: DiffSpec<MetricStreamInputs> = { replace: ["ownerId"], update: ["provider", "url", "token"] };

/** The token is write-only on Render and must not be in state: only its hash is kept, to see a change. */
const tokenHash = (t: string) => createHash("sha256").update(t).digest("hex");

async function put(i: MetricStreamInputs): Promise<Record<string, unknown>> {
  const s = await providerClient().http.request({ method: "PUT", path: apiPath`/metrics-stream/${i.ownerId}`, body: { provider: i.provider, url: i.url, token: i.token }, schema: streamSchema });
  return { ownerId: s.ownerId, provider: s.provider, url: s.url, tokenHash: tokenHash(i.token) };
}

/** The dynamic provider for `render:MetricStream`. */
export const provider: pulumi.dynamic.ResourceProvider = {
  configure: configureProvider,

  async check(_olds, news) {
    return checkWith("MetricStream", metricStreamInputsSchema, news);
  },

  async diff(_id, olds: MetricStreamInputs & { tokenHash?: string }, news: MetricStreamInputs) {
    // Olds hold the hash, never the token.
    const d = diffBySpec(metricStreamDiffSpec, { ...olds, token: olds.tokenHash }, { ...news, token: tokenHash(news.token) });
    return d;
  },

  // PUT is an upsert of the workspace's one stream, so a repeated create is the same stream.
  async create(news: MetricStreamInputs) {
    return { id: news.ownerId, outs: await put(news) };
  },

  async read(id, props: Record<string, unknown>) {
    try {
      const s = await providerClient().http.request({ method: "GET", path: apiPath`/metrics-stream/${id}`, schema: streamSchema });
      return { id, props: { ...props, ownerId: s.ownerId, provider: s.provider, url: s.url } };
    } catch (e) {
      if (isNotFound(e)) return { id: "", props: {} };
      throw e;
    }
  },

  async update(_id, _olds, news: MetricStreamInputs) {
    return { outs: await put(news) };
  },

  async delete(id) {
    try {
      await providerClient().http.request({ method: "DELETE", path: apiPath`/metrics-stream/${id}` });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
};
