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

/** Checked inputs of a LogStream ({@link logStreamFields}). */
export const logStreamInputsSchema = z
  .object({
    /** The workspace (`tea-…`); Render has one log stream setting per workspace (replacement). */
    ownerId: z
      .string()
      .regex(/^tea-[a-z0-9]+$/, "ownerId must be a workspace id like tea-…")
      .refine(
        (id) => id !== PRODUCTION_OWNER_ID,
        "ownerId is AlphaStack's production workspace: its log stream is AlphaStack's, not stackguard's; use the environment's own workspace",
      ),
    /** The collector, `host:port` (syslog over TLS). */
    endpoint: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "endpoint must be the collector's host:port (syslog over TLS), e.g. logs.example.com:6514"),
    /** The collector's token, sent with every message; pass a secret. Never stored in state (only its hash). */
    token: z.string().min(8, "token must be at least 8 characters: the collector's token, sent with every message"),
    /** Whether preview services' logs are streamed too (Render's `preview`: `send` | `drop`; default `drop`). */
    preview: z.enum(["send", "drop"], { error: "preview must be send or drop" }).default("drop"),
  })
  .strict();
type LogStreamInputs = z.infer<typeof logStreamInputsSchema>;

const streamSchema = z.object({ ownerId: z.string(), endpoint: z.string(), preview: z.string() });

/** What the state keeps besides the inputs: the token's hash, never the token. */
const logStreamComputedSchema = z.object({ tokenHash: z.string() });

/** One setting per workspace (`PUT /logs/streams/owner/{ownerId}`): a new owner is a new stream; the rest is the PUT. */
export const logStreamFields = resourceFields(
  logStreamInputsSchema,
  { ownerId: "replace", endpoint: "update", token: "update", preview: "update" },
  logStreamComputedSchema,
);

/** Outputs: the inputs but the token (write-only on Render), and the token's hash. */
export type LogStreamOutputs = Omit<LogStreamInputs, "token"> & z.output<typeof logStreamComputedSchema>;

/** In place vs replacement (derived from {@link logStreamFields}). */
const logStreamDiffSpec: DiffSpec<LogStreamInputs> = logStreamFields.diffSpec;

/** The PUT body, one part per field it sends ({@link logStreamFields}`.update`). */
const LOG_STREAM_PUT: BodyParts<LogStreamInputs, (typeof logStreamFields.update)[number]> = {
  endpoint: (i) => ({ endpoint: i.endpoint }),
  token: (i) => ({ token: i.token }),
  preview: (i) => ({ preview: i.preview }),
};

/** The token is write-only on Render and must not be in state: only its hash is kept, to see a change. */
const tokenHash = (t: string) => createHash("sha256").update(t).digest("hex");

async function put(i: LogStreamInputs): Promise<LogStreamOutputs> {
  const s = await providerClient().http.request({
    method: "PUT",
    path: apiPath`/logs/streams/owner/${i.ownerId}`,
    body: bodyFrom(LOG_STREAM_PUT, i),
    schema: streamSchema,
  });
  return { ownerId: s.ownerId, endpoint: s.endpoint, preview: s.preview as LogStreamInputs["preview"], tokenHash: tokenHash(i.token) };
}

/** The dynamic provider for `render:LogStream`, typed with its checked inputs and its outputs. */
const logStreamProvider = {
  configure: configureProvider,

  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith("LogStream", logStreamInputsSchema, news);
  },

  async diff(_id: string, olds: LogStreamOutputs, news: LogStreamInputs) {
    return diffBySpec(logStreamDiffSpec, { ...olds, token: olds.tokenHash }, { ...news, token: tokenHash(news.token) });
  },

  // PUT sets the workspace's one stream, so a repeated create is the same stream.
  async create(news: LogStreamInputs) {
    return { id: news.ownerId, outs: await put(news) };
  },

  async read(id: string, props?: LogStreamOutputs) {
    try {
      const s = await providerClient().http.request({ method: "GET", path: apiPath`/logs/streams/owner/${id}`, schema: streamSchema });
      return { id, props: { ...props, ownerId: s.ownerId, endpoint: s.endpoint, preview: s.preview as LogStreamInputs["preview"] } as LogStreamOutputs };
    } catch (e) {
      if (isNotFound(e)) return gone<LogStreamOutputs>();
      throw e;
    }
  },

  async update(_id: string, _olds: LogStreamOutputs, news: LogStreamInputs) {
    return { outs: await put(news) };
  },

  async delete(id: string) {
    try {
      await providerClient().http.request({ method: "DELETE", path: apiPath`/logs/streams/owner/${id}` });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
} satisfies pulumi.dynamic.ResourceProvider<LogStreamInputs, LogStreamOutputs>;

/** The same provider as the loader (`lazyProvider`) and the engine see it: property bags. */
export const provider: pulumi.dynamic.ResourceProvider = logStreamProvider;
