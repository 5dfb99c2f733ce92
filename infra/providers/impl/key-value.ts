import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { KEY_VALUE_MAXMEMORY_POLICIES, KEY_VALUE_PLANS, RENDER_REGIONS } from "../../config/render-enums";
import { KeyValuePatchBody } from "../../render/api/key-value";
import { RenderClient } from "../../render/client";
import { isNotFound } from "../../render/errors";
import { KeyValue, KeyValueConnectionInfo, keyValueConnectionInfoSchema } from "../../render/schemas/key-value";
import { createOrAdopt } from "../adopt";
import { checkWith } from "../check";
import { assertAdoptable, configureProvider, providerClient } from "../context";
import { changedFields, diffBySpec, DiffSpec } from "../diff";
import { bodyFrom, BodyParts, resourceFields } from "../fields";
import { gone, readResult } from "../read-result";

const cidr = z
  .object({ cidrBlock: z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, "cidrBlock must be CIDR notation like 10.0.0.0/8"), description: z.string().default("") })
  .strict();

/** Checked inputs of a Key Value instance: the one list of its input fields ({@link keyValueFields}). */
export const keyValueInputsSchema = z
  .object({
    /** Render name (in place). */
    name: z.string().trim().min(1, "name is required"),
    /** Workspace (replacement). */
    ownerId: z.string().regex(/^(tea|usr)-[a-z0-9]+$/, "ownerId must be a workspace id like tea-…"),
    /** `free`, `starter`, `standard`, `pro`, `pro_plus` (in place; `free` has no persistence). */
    plan: z.enum(KEY_VALUE_PLANS),
    /** Default `oregon` (replacement). */
    region: z.enum(RENDER_REGIONS).default("oregon"),
    /**
     * Eviction policy (in place), as Render's API spells it: `noeviction`, `allkeys_lru`, `allkeys_lfu`,
     * `allkeys_random`, `volatile_lru`, `volatile_lfu`, `volatile_random`, `volatile_ttl`. Unset: Render's default is
     * kept and never diffed (the live value is the `maxmemoryPolicy` output).
     */
    maxmemoryPolicy: z.enum(KEY_VALUE_MAXMEMORY_POLICIES).optional(),
    /**
     * Default `[]`: no external access, only Render's private network (Render's own default for Key Value). Set, so an
     * entry added outside Pulumi shows on refresh and is removed by the next `up`.
     */
    ipAllowList: z.array(cidr).default([]),
    /** Render environment (moved in place, data kept). */
    environmentId: z
      .string()
      .regex(/^evm-[a-z0-9]+$/, "environmentId must be an environment id like evm-…")
      .optional(),
  })
  .strict();
type KeyValueInputs = z.infer<typeof keyValueInputsSchema>;

/** What Render computes for a Key Value instance. `connectionInfo` is secret (additionalSecretOutputs on the class). */
const keyValueComputedSchema = z.object({
  keyValueId: z.string(),
  status: z.string(),
  /** The Key Value (Redis®-compatible) server version, e.g. `8.1.4`. */
  version: z.string(),
  /** `off` (free plan) or Render's persistence mode (`aof`…), from `options.persistenceMode`. */
  persistenceMode: z.string().optional(),
  dashboardUrl: z.string().optional(),
  /** Secret: the external string and the CLI command carry the password. */
  connectionInfo: keyValueConnectionInfoSchema.optional(),
});

/**
 * What Render's `PATCH /key-value/{id}` accepts (openapi `keyValuePATCHInput`: name, plan, maxmemoryPolicy,
 * ipAllowList) changes in place; an environment move is in place too (the environments API, as for services): the
 * data stays. Owner and region are fixed at creation: a new instance, empty.
 */
export const keyValueFields = resourceFields(
  keyValueInputsSchema,
  { name: "update", ownerId: "replace", plan: "update", region: "replace", maxmemoryPolicy: "update", ipAllowList: "update", environmentId: "action" },
  keyValueComputedSchema,
  { onlyWhenSet: ["maxmemoryPolicy", "environmentId"] },
);

/** Outputs: the inputs (`maxmemoryPolicy` the live one) plus what Render computed. */
export type KeyValueOutputs = KeyValueInputs & z.output<typeof keyValueComputedSchema>;

/** In place vs replacement (derived from {@link keyValueFields}). */
const keyValueDiffSpec: DiffSpec<KeyValueInputs> = keyValueFields.diffSpec;

/** Changes after which the PATCH answer's status is not to be trusted (see {@link converge}). */
const RESTARTS: ReadonlyArray<keyof KeyValueInputs> = ["plan", "maxmemoryPolicy", "environmentId"];

/** How long a create (or a plan change) may take to reach `available`. Render provisions in minutes. */
const READY_TIMEOUT_MS = 15 * 60_000;

function readyTimeoutMs(): number {
  const v = Number(process.env.STACKGUARD_KEY_VALUE_READY_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : READY_TIMEOUT_MS;
}

function inputsFromKeyValue(kv: KeyValue, prev?: Partial<KeyValueInputs>): KeyValueInputs {
  const policy = kv.options.maxmemoryPolicy as KeyValueInputs["maxmemoryPolicy"];
  return {
    name: kv.name,
    ownerId: kv.owner?.id ?? kv.ownerId ?? prev?.ownerId ?? "",
    plan: kv.plan as KeyValueInputs["plan"],
    region: kv.region,
    maxmemoryPolicy: prev?.maxmemoryPolicy === undefined ? undefined : policy,
    ipAllowList: kv.ipAllowList.map((c) => ({ cidrBlock: c.cidrBlock, description: c.description ?? "" })),
    environmentId: kv.environmentId || undefined,
  };
}

function outputs(i: KeyValueInputs, kv: KeyValue, connectionInfo?: KeyValueConnectionInfo): KeyValueOutputs {
  return JSON.parse(
    JSON.stringify({
      ...i,
      // The live policy, also when the inputs leave it to Render (onlyWhenSet: never diffed then).
      maxmemoryPolicy: i.maxmemoryPolicy ?? kv.options.maxmemoryPolicy,
      keyValueId: kv.id,
      status: kv.status,
      version: kv.version,
      persistenceMode: kv.options.persistenceMode,
      dashboardUrl: kv.dashboardUrl,
      ...(connectionInfo ? { connectionInfo } : {}),
    }),
  ) as KeyValueOutputs;
}

/** `PATCH /key-value/{id}`, one part per field it sends ({@link keyValueFields}`.update`). */
const KEY_VALUE_PATCH: BodyParts<KeyValueInputs, (typeof keyValueFields.update)[number]> = {
  name: (i) => ({ name: i.name }),
  plan: (i) => ({ plan: i.plan }),
  ipAllowList: (i) => ({ ipAllowList: i.ipAllowList }),
  maxmemoryPolicy: (i) => (i.maxmemoryPolicy !== undefined ? { maxmemoryPolicy: i.maxmemoryPolicy } : {}),
};

function patchBody(i: KeyValueInputs): KeyValuePatchBody {
  return bodyFrom(KEY_VALUE_PATCH, i) as KeyValuePatchBody;
}

/**
 * Polls until the instance is `available` (Render answers `unknown`, then `creating`; a plan change goes back to
 * `creating`, a configuration change shows `config_restart`). A suspended instance never becomes available: that fails at once, naming the fix.
 */
async function waitAvailable(render: RenderClient, kv: KeyValue, name: string): Promise<KeyValue> {
  const timeoutMs = readyTimeoutMs();
  const deadline = Date.now() + timeoutMs;
  let delay = 200;
  let cur = kv;
  while (cur.status !== "available") {
    if (cur.status === "suspended") {
      throw new Error(`KeyValue "${name}" (${cur.id}) is suspended: resume it (POST /key-value/${cur.id}/resume) and run the update again`);
    }
    if (Date.now() + delay > deadline) {
      throw new Error(
        `KeyValue "${name}" (${cur.id}) is not available after ${Math.round(timeoutMs / 1000)} s (status: ${cur.status}): check it in the Render dashboard, then run the update again (it is adopted, not created twice)`,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 5_000);
    cur = await render.keyValue.get(cur.id);
  }
  return cur;
}

/**
 * In place: one PATCH for Render's fields, the environments API for a move. Returns the instance as it now is (the
 * PATCH answer, or a fresh GET when that answer may predate the change: a move; a plan or eviction-policy change,
 * which restarts the instance after Render has answered, so its `available` may be the old server's), or undefined
 * when nothing differed and nothing was sent.
 */
async function converge(render: RenderClient, id: string, live: KeyValueInputs, want: KeyValueInputs): Promise<KeyValue | undefined> {
  const changed = changedFields(keyValueDiffSpec, live, want);
  let latest: KeyValue | undefined;
  if (changed.some((f) => (keyValueFields.update as readonly string[]).includes(f))) latest = await render.keyValue.update(id, patchBody(want));
  if (changed.includes("environmentId")) {
    if (live.environmentId) await render.workspace.removeFromEnvironment(live.environmentId, [id]);
    if (want.environmentId) await render.workspace.addToEnvironment(want.environmentId, [id]);
  }
  if (changed.some((f) => RESTARTS.includes(f))) latest = await render.keyValue.get(id);
  return latest;
}

/** The dynamic provider for `render:KeyValue`, typed with its checked inputs and its outputs. */
const keyValueProvider = {
  configure: configureProvider,

  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith("KeyValue", keyValueInputsSchema, news);
  },

  async diff(_id: string, olds: KeyValueOutputs, news: KeyValueInputs) {
    return diffBySpec(keyValueDiffSpec, olds, news);
  },

  async create(news: KeyValueInputs) {
    const render = providerClient();
    const { resource, adopted } = await createOrAdopt<KeyValue>({
      find: async () =>
        (await render.keyValue.list({ name: [news.name], ownerId: [news.ownerId], region: [news.region] })).find(
          (kv) => kv.name === news.name && kv.region === news.region,
        ),
      create: () =>
        render.keyValue.create({
          name: news.name,
          ownerId: news.ownerId,
          plan: news.plan,
          region: news.region,
          ipAllowList: news.ipAllowList,
          ...(news.maxmemoryPolicy ? { maxmemoryPolicy: news.maxmemoryPolicy } : {}),
          ...(news.environmentId ? { environmentId: news.environmentId } : {}),
        }),
    });
    let kv = resource;
    if (adopted) {
      await assertAdoptable(render, kv.id, "key-value");
      kv = (await converge(render, kv.id, inputsFromKeyValue(kv, news), news)) ?? kv;
    }
    kv = await waitAvailable(render, kv, news.name);
    return { id: kv.id, outs: outputs(news, kv, await render.keyValue.connectionInfo(kv.id)) };
  },

  async read(id: string, props?: KeyValueOutputs) {
    const render = providerClient();
    try {
      const kv = await render.keyValue.get(id);
      const live = inputsFromKeyValue(kv, props);
      return readResult(id, outputs(live, kv, await render.keyValue.connectionInfo(id)), JSON.parse(JSON.stringify(live)) as KeyValueInputs);
    } catch (e) {
      if (isNotFound(e)) return gone<KeyValueOutputs>();
      throw e;
    }
  },

  async update(id: string, olds: KeyValueOutputs, news: KeyValueInputs) {
    const render = providerClient();
    const current = (await converge(render, id, olds, news)) ?? (await render.keyValue.get(id));
    const kv = await waitAvailable(render, current, news.name);
    // Connection info does not change with these fields: keep the known value (one call fewer).
    return { outs: outputs(news, kv, olds.connectionInfo ?? (await render.keyValue.connectionInfo(id))) };
  },

  async delete(id: string) {
    try {
      await providerClient().keyValue.delete(id);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
} satisfies pulumi.dynamic.ResourceProvider<KeyValueInputs, KeyValueOutputs>;

/** The same provider as the loader (`lazyProvider`) and the engine see it: property bags. */
export const provider: pulumi.dynamic.ResourceProvider = keyValueProvider;
