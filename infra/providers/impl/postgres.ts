import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { POSTGRES_PLANS, POSTGRES_VERSIONS, RENDER_REGIONS } from "../../config/render-enums";
import { RenderClient } from "../../render/client";
import { isNotFound } from "../../render/errors";
import { Postgres, PostgresConnectionInfo } from "../../render/schemas/postgres";
import { createOrAdopt } from "../adopt";
import { checkWith } from "../check";
import { assertAdoptable, configureProvider, providerClient } from "../context";
import { changedFields, diffBySpec, DiffSpec } from "../diff";

const cidr = z.object({ cidrBlock: z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, "cidrBlock must be CIDR notation like 10.0.0.0/8"), description: z.string().default("") }).strict();

/** Checked inputs of a Postgres instance. */
export const postgresInputsSchema = z.object({
  name: z.string().trim().min(1, "name is required"),
  ownerId: z.string().regex(/^(tea|usr)-[a-z0-9]+$/, "ownerId must be a workspace id like tea-…"),
  plan: z.enum(POSTGRES_PLANS),
  version: z.enum(POSTGRES_VERSIONS),
  region: z.enum(RENDER_REGIONS).default("oregon"),
  highAvailability: z.boolean().default(false),
  diskSizeGB: z.number().int().min(1, "diskSizeGB must be at least 1").optional(),
  readReplicas: z.array(z.string().min(1)).default([]),
  databaseName: z.string().regex(/^[a-z_][a-z0-9_]*$/, "databaseName is lower-case letters, digits and '_'").optional(),
  databaseUser: z.string().regex(/^[a-z_][a-z0-9_]*$/, "databaseUser is lower-case letters, digits and '_'").optional(),
  environmentId: z.string().regex(/^evm-[a-z0-9]+$/, "environmentId must be an environment id like evm-…").optional(),
  ipAllowList: z.array(cidr).optional(),
}).strict().superRefine((v, ctx) => {
  if (v.highAvailability && (v.plan.startsWith("basic_") || ["free", "starter"].includes(v.plan))) {
    ctx.addIssue({ code: "custom", path: ["highAvailability"], message: `high availability needs a pro or accelerated plan, not ${v.plan}; change plan or set highAvailability: false` });
  }
  if (new Set(v.readReplicas).size !== v.readReplicas.length) {
    ctx.addIssue({ code: "custom", path: ["readReplicas"], message: "read replica names must be unique" });
  }
});
export type PostgresInputs = z.infer<typeof postgresInputsSchema>;

/** Outputs. `connectionInfo` is secret (additionalSecretOutputs); `actualDatabaseName` carries Render's suffix. */
export interface PostgresOutputs extends PostgresInputs {
  postgresId: string;
  status: string;
  actualDatabaseName: string;
  actualDatabaseUser: string;
  dashboardUrl?: string;
  readReplicaIds: string[];
  connectionInfo?: PostgresConnectionInfo;
}

/** Version, region, owner, names and environment are fixed at creation; the rest is a PATCH. */
export const postgresDiffSpec: DiffSpec<PostgresInputs> = {
  replace: ["ownerId", "version", "region", "databaseName", "databaseUser", "environmentId"],
  update: ["name", "plan", "highAvailability", "diskSizeGB", "readReplicas", "ipAllowList"],
  onlyWhenSet: ["diskSizeGB", "databaseName", "databaseUser", "ipAllowList", "environmentId"],
};

/**
 * Render appends a random `_xxxx` to a requested database name (cassette-notes §3): map the live name back to the
 * requested one so `refresh` does not report a change that is not one.
 */
function requestedName(live: string, requested: string | undefined): string | undefined {
  if (requested && (live === requested || new RegExp(`^${requested}_[a-z0-9]{4}$`).test(live))) return requested;
  return requested === undefined ? undefined : live;
}

function inputsFromPostgres(p: Postgres, prev?: Partial<PostgresInputs>): PostgresInputs {
  return {
    name: p.name,
    ownerId: p.owner?.id ?? p.ownerId ?? prev?.ownerId ?? "",
    plan: p.plan as PostgresInputs["plan"],
    version: p.version as PostgresInputs["version"],
    region: p.region,
    highAvailability: p.highAvailabilityEnabled,
    diskSizeGB: p.diskSizeGB,
    readReplicas: p.readReplicas.map((r) => r.name),
    databaseName: requestedName(p.databaseName, prev?.databaseName),
    databaseUser: prev?.databaseUser === undefined ? undefined : p.databaseUser,
    environmentId: p.environmentId || undefined,
    ipAllowList: prev?.ipAllowList === undefined && p.ipAllowList.length === 0 ? undefined : p.ipAllowList.map((c) => ({ cidrBlock: c.cidrBlock, description: c.description ?? "" })),
  };
}

function outputs(i: PostgresInputs, p: Postgres, connectionInfo?: PostgresConnectionInfo): PostgresOutputs {
  return JSON.parse(JSON.stringify({
    ...i,
    postgresId: p.id,
    status: p.status,
    actualDatabaseName: p.databaseName,
    actualDatabaseUser: p.databaseUser,
    dashboardUrl: p.dashboardUrl,
    readReplicaIds: p.readReplicas.map((r) => r.id),
    ...(connectionInfo ? { connectionInfo } : {}),
  })) as PostgresOutputs;
}

function patchBody(i: PostgresInputs): Record<string, unknown> {
  return {
    name: i.name,
    plan: i.plan,
    enableHighAvailability: i.highAvailability,
    readReplicas: i.readReplicas.map((name) => ({ name })),
    ...(i.diskSizeGB !== undefined ? { diskSizeGB: i.diskSizeGB } : {}),
    ...(i.ipAllowList !== undefined ? { ipAllowList: i.ipAllowList } : {}),
  };
}

async function connectionInfo(render: RenderClient, id: string): Promise<PostgresConnectionInfo> {
  return render.postgres.connectionInfo(id);
}

/** The dynamic provider for `render:Postgres`. */
export const provider: pulumi.dynamic.ResourceProvider = {
  configure: configureProvider,

  async check(olds: Partial<PostgresInputs>, news) {
    const res = checkWith("Postgres", postgresInputsSchema, news);
    const n = res.inputs as PostgresInputs;
    if (!res.failures?.length && olds?.diskSizeGB !== undefined && n.diskSizeGB !== undefined && n.diskSizeGB < olds.diskSizeGB) {
      return { inputs: res.inputs, failures: [{ property: "diskSizeGB", reason: `Postgres "${n.name}": diskSizeGB: Render disks cannot shrink (${olds.diskSizeGB} → ${n.diskSizeGB}); keep ${olds.diskSizeGB} or more` }] };
    }
    return res;
  },

  async diff(_id, olds: PostgresOutputs, news: PostgresInputs) {
    return diffBySpec(postgresDiffSpec, olds, news);
  },

  async create(news: PostgresInputs) {
    const render = providerClient();
    const { resource, adopted } = await createOrAdopt<Postgres>({
      find: async () => (await render.postgres.list({ name: [news.name], ownerId: [news.ownerId], includeReplicas: false }))
        .find((p) => p.name === news.name && p.version === news.version && p.region === news.region),
      create: () => render.postgres.create({
        name: news.name,
        ownerId: news.ownerId,
        plan: news.plan,
        version: news.version,
        region: news.region,
        enableHighAvailability: news.highAvailability,
        readReplicas: news.readReplicas.map((name) => ({ name })),
        ...(news.diskSizeGB !== undefined ? { diskSizeGB: news.diskSizeGB } : {}),
        ...(news.databaseName ? { databaseName: news.databaseName } : {}),
        ...(news.databaseUser ? { databaseUser: news.databaseUser } : {}),
        ...(news.environmentId ? { environmentId: news.environmentId } : {}),
        ...(news.ipAllowList ? { ipAllowList: news.ipAllowList } : {}),
      }),
    });
    let pg = resource;
    if (adopted) {
      await assertAdoptable(render, pg.id, "postgres");
      if (changedFields(postgresDiffSpec, inputsFromPostgres(pg, news), news).length > 0) pg = await render.postgres.update(pg.id, patchBody(news));
    }
    return { id: pg.id, outs: outputs(news, pg, await connectionInfo(render, pg.id)) };
  },

  async read(id, props: PostgresOutputs) {
    const render = providerClient();
    try {
      const pg = await render.postgres.get(id);
      const live = inputsFromPostgres(pg, props);
      return { id, props: outputs(live, pg, await connectionInfo(render, id)), inputs: JSON.parse(JSON.stringify(live)) };
    } catch (e) {
      if (isNotFound(e)) return { id: "", props: {} };
      throw e;
    }
  },

  async update(id, olds: PostgresOutputs, news: PostgresInputs) {
    const render = providerClient();
    const pg = changedFields(postgresDiffSpec, olds, news).length > 0 ? await render.postgres.update(id, patchBody(news)) : await render.postgres.get(id);
    // Connection info does not change with a PATCH of these fields: keep the known value (one call fewer).
    return { outs: outputs(news, pg, olds.connectionInfo ?? (await connectionInfo(render, id))) };
  },

  async delete(id) {
    try {
      await providerClient().postgres.delete(id);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
};
