import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isNotFound } from "../../render/errors";
import { apiPath } from "../../render/http";
import { checkWith } from "../check";
import { configureProvider, PRODUCTION_OWNER_ID, providerClient } from "../context";
import { diffBySpec, type DiffSpec } from "../diff";

/** Checked inputs of a LogStream. */
export const logStreamInputsSchema = z.object({
  ownerId: z.string().regex(/^tea-[a-z0-9]+$/, "ownerId must be a workspace id like tea-…")
    .refine((id) => id !== PRODUCTION_OWNER_ID, "ownerId is AlphaStack's production workspace: its log stream is AlphaStack's, not stackguard's; use the environment's own workspace"),
  endpoint: z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "endpoint must be the collector's host:port (syslog over TLS), e.g. logs.example.com:6514"),
  token: z.string().min(8, "token must be at least 8 characters: the collector's token, sent with every message"),
  preview: z.enum(["send", "drop"], { error: "preview must be send or drop" }).default("drop"),
}).strict();
export type LogStreamInputs = z.infer<typeof logStreamInputsSchema>;

const streamSchema = z.object({ ownerId: z.string(), endpoint: z.string(), preview: z.string() });

/** One setting per workspace: a new owner is a new stream; the rest is updated in place. */
export const logStreamDiffSpec: DiffSpec<LogStreamInputs> = { replace: ["ownerId"], update: ["endpoint", "token", "preview"] };

/** The token is write-only on Render and must not be in state: only its hash is kept, to see a change. */
const tokenHash = (t: string) => createHash("sha256").update(t).digest("hex");

async function put(i: LogStreamInputs): Promise<Record<string, unknown>> {
  const s = await providerClient().http.request({ method: "PUT", path: apiPath`/logs/streams/owner/${i.ownerId}`, body: { endpoint: i.endpoint, token: i.token, preview: i.preview }, schema: streamSchema });
  return { ownerId: s.ownerId, endpoint: s.endpoint, preview: s.preview, tokenHash: tokenHash(i.token) };
}

/** The dynamic provider for `render:LogStream`. */
export const provider: pulumi.dynamic.ResourceProvider = {
  configure: configureProvider,

  async check(_olds, news) {
    return checkWith("LogStream", logStreamInputsSchema, news);
  },

  async diff(_id, olds: LogStreamInputs & { tokenHash?: string }, news: LogStreamInputs) {
    return diffBySpec(logStreamDiffSpec, { ...olds, token: olds.tokenHash }, { ...news, token: tokenHash(news.token) });
  },

  // PUT sets the workspace's one stream, so a repeated create is the same stream.
  async create(news: LogStreamInputs) {
    return { id: news.ownerId, outs: await put(news) };
  },

  async read(id, props: Record<string, unknown>) {
    try {
      const s = await providerClient().http.request({ method: "GET", path: apiPath`/logs/streams/owner/${id}`, schema: streamSchema });
      return { id, props: { ...props, ownerId: s.ownerId, endpoint: s.endpoint, preview: s.preview } };
    } catch (e) {
      if (isNotFound(e)) return { id: "", props: {} };
      throw e;
    }
  },

  async update(_id, _olds, news: LogStreamInputs) {
    return { outs: await put(news) };
  },

  async delete(id) {
    try {
      await providerClient().http.request({ method: "DELETE", path: apiPath`/logs/streams/owner/${id}` });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
};
