import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isNotFound } from "../../render/errors";
import { apiPath } from "../../render/http";
import { checkWith } from "../check";
import { configureProvider, PRODUCTION_OWNER_ID, providerClient } from "../context";
import { diffBySpec, type DiffSpec } from "../diff";
import { bodyFrom, type BodyParts, resourceFields } from "../fields";
import { gone } from "../read-result";

const PROVIDERS = ["BETTER_STACK", "GRAFANA", "DATADOG", "NEW_RELIC", "HONEYCOMB", "SIGNOZ", "GROUNDCOVER", "CUSTOM"] as const;

/** Checked inputs of a MetricStream ({@link metricStreamFields}). */
export const metricStreamInputsSchema = z
  .object({
    /** The workspace (`tea-…`); Render has one metrics stream per workspace (replacement). */
    ownerId: z
      .string()
      .regex(/^tea-[a-z0-9]+$/, "ownerId must be a workspace id like tea-…")
      .refine(
        (id) => id !== PRODUCTION_OWNER_ID,
        "ownerId is AlphaStack's production workspace: its metrics stream is AlphaStack's, not stackguard's; use the environment's own workspace",
      ),
    /** Render's provider enum; `CUSTOM` for any OTLP/HTTP endpoint (e.g. the guardian's receiver). */
    provider: z.enum(PROVIDERS, { error: `provider must be one of ${PROVIDERS.join(", ")}` }).default("CUSTOM"),
    /** The OTLP/HTTP endpoint (https in production). */
    url: z.string().url("url must be the OTLP/HTTP endpoint's URL, e.g. https://guardian-production.onrender.com"),
    /** Sent by Render as `Authorization: Bearer <token>`; pass a secret. Never stored in state (only its hash). */
    token: z.string().min(16, "token must be at least 16 characters (Render sends it as a Bearer token; use a random secret)"),
  })
  .strict();
type MetricStreamInputs = z.infer<typeof metricStreamInputsSchema>;

const streamSchema = z.object({ ownerId: z.string(), provider: z.string(), url: z.string() });

/** What the state keeps besides the inputs: the token's hash, never the token. */
const metricStreamComputedSchema = z.object({ tokenHash: z.string() });

/** Render keeps one stream per workspace (`PUT /metrics-stream/{ownerId}`): a new owner is a new stream; the rest is the PUT. */
export const metricStreamFields = resourceFields(
  metricStreamInputsSchema,
  { ownerId: "replace", provider: "update", url: "update", token: "update" },
  metricStreamComputedSchema,
);

/** Outputs: the inputs but the token (write-only on Render), and the token's hash. */
export type MetricStreamOutputs = Omit<MetricStreamInputs, "token"> & z.output<typeof metricStreamComputedSchema>;

/** In place vs replacement (derived from {@link metricStreamFields}). */
const metricStreamDiffSpec: DiffSpec<MetricStreamInputs> = metricStreamFields.diffSpec;

/** The PUT body, one part per field it sends ({@link metricStreamFields}`.update`). */
const METRIC_STREAM_PUT: BodyParts<MetricStreamInputs, (typeof metricStreamFields.update)[number]> = {
  provider: (i) => ({ provider: i.provider }),
  url: (i) => ({ url: i.url }),
  token: (i) => ({ token: i.token }),
};

/** The token is write-only on Render and must not be in state: only its hash is kept, to see a change. */
const tokenHash = (t: string) => createHash("sha256").update(t).digest("hex");

async function put(i: MetricStreamInputs): Promise<MetricStreamOutputs> {
  const s = await providerClient().http.request({
    method: "PUT",
    path: apiPath`/metrics-stream/${i.ownerId}`,
    body: bodyFrom(METRIC_STREAM_PUT, i),
    schema: streamSchema,
  });
  return { ownerId: s.ownerId, provider: s.provider as MetricStreamInputs["provider"], url: s.url, tokenHash: tokenHash(i.token) };
}

/** The dynamic provider for `render:MetricStream`, typed with its checked inputs and its outputs. */
const metricStreamProvider = {
  configure: configureProvider,

  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith("MetricStream", metricStreamInputsSchema, news);
  },

  async diff(_id: string, olds: MetricStreamOutputs, news: MetricStreamInputs) {
    // Olds hold the hash, never the token (a state without one diffs as a change: the token is PUT again).
    const d = diffBySpec(metricStreamDiffSpec, { ...olds, token: olds.tokenHash }, { ...news, token: tokenHash(news.token) });
    return d;
  },

  // PUT is an upsert of the workspace's one stream, so a repeated create is the same stream.
  async create(news: MetricStreamInputs) {
    return { id: news.ownerId, outs: await put(news) };
  },

  async read(id: string, props?: MetricStreamOutputs) {
    try {
      const s = await providerClient().http.request({ method: "GET", path: apiPath`/metrics-stream/${id}`, schema: streamSchema });
      return { id, props: { ...props, ownerId: s.ownerId, provider: s.provider as MetricStreamInputs["provider"], url: s.url } as MetricStreamOutputs };
    } catch (e) {
      if (isNotFound(e)) return gone<MetricStreamOutputs>();
      throw e;
    }
  },

  async update(_id: string, _olds: MetricStreamOutputs, news: MetricStreamInputs) {
    return { outs: await put(news) };
  },

  async delete(id: string) {
    try {
      await providerClient().http.request({ method: "DELETE", path: apiPath`/metrics-stream/${id}` });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
} satisfies pulumi.dynamic.ResourceProvider<MetricStreamInputs, MetricStreamOutputs>;

/** The same provider as the loader (`lazyProvider`) and the engine see it: property bags. */
export const provider: pulumi.dynamic.ResourceProvider = metricStreamProvider;
