import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { POSTGRES_PLANS, POSTGRES_VERSIONS, RENDER_REGIONS } from "../../config/render-enums";
import { RenderClient } from "../../render/client";
import { isNotFound } from "../../render/errors";
import { Postgres, PostgresConnectionInfo, postgresConnectionInfoSchema } from "../../render/schemas/postgres";
import { createOrAdopt } from "../adopt";
import { checkWith } from "../check";
import { assertAdoptable, configureProvider, providerClient } from "../context";
import { changedFields, diffBySpec, DiffSpec } from "../diff";
import { bodyFrom, BodyParts, resourceFields } from "../fields";
import { gone, readResult } from "../read-result";

const cidr = z
  .object({ cidrBlock: z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, "cidrBlock must be CIDR notation like 10.0.0.0/8"), description: z.string().default("") })
  .strict();

/** Checked inputs of a Postgres instance: the one list of its input fields ({@link postgresFields}). */
export const postgresInputsSchema = z
  .object({
    /** Render name (in place). */
    name: z.string().trim().min(1, "name is required"),
    /** Workspace (replacement). */
    ownerId: z.string().regex(/^(tea|usr)-[a-z0-9]+$/, "ownerId must be a workspace id like tea-…"),
    /** e.g. `basic_1gb`, `pro_4gb` (in place). */
    plan: z.enum(POSTGRES_PLANS),
    /** Major version `13`…`18` (replacement). */
    version: z.enum(POSTGRES_VERSIONS),
    /** Default `oregon` (replacement). */
    region: z.enum(RENDER_REGIONS).default("oregon"),
    /** Needs a pro or accelerated plan (in place). */
    highAvailability: z.boolean().default(false),
    /** Grows in place; cannot shrink. */
    diskSizeGB: z.number().int().min(1, "diskSizeGB must be at least 1").optional(),
    /** Names of read replicas (in place). */
    readReplicas: z.array(z.string().min(1)).default([]),
    /** Requested database name (Render appends `_xxxx`; see `actualDatabaseName`). Replacement. */
    databaseName: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, "databaseName is lower-case letters, digits and '_'")
      .optional(),
    /** Replacement. */
    databaseUser: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, "databaseUser is lower-case letters, digits and '_'")
      .optional(),
    /** Render environment (replacement). */
    environmentId: z
      .string()
      .regex(/^evm-[a-z0-9]+$/, "environmentId must be an environment id like evm-…")
      .optional(),
    /** External access (in place); unset: Render's, never diffed. */
    ipAllowList: z.array(cidr).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.highAvailability && (v.plan.startsWith("basic_") || ["free", "starter"].includes(v.plan))) {
      ctx.addIssue({
        code: "custom",
        path: ["highAvailability"],
        message: `high availability needs a pro or accelerated plan, not ${v.plan}; change plan or set highAvailability: false`,
      });
    }
    if (new Set(v.readReplicas).size !== v.readReplicas.length) {
      ctx.addIssue({ code: "custom", path: ["readReplicas"], message: "read replica names must be unique" });
    }
  });
type PostgresInputs = z.infer<typeof postgresInputsSchema>;

/** What Render computes for a Postgres instance. `connectionInfo` is secret (additionalSecretOutputs on the class). */
const postgresComputedSchema = z.object({
  postgresId: z.string(),
  status: z.string(),
  /** The database name as Render made it (with its `_xxxx` suffix). */
  actualDatabaseName: z.string(),
  actualDatabaseUser: z.string(),
  dashboardUrl: z.string().optional(),
  readReplicaIds: z.array(z.string()),
  /** Secret. */
  connectionInfo: postgresConnectionInfoSchema.optional(),
});

/**
 * Version, region, owner, names and environment are fixed at creation; the rest is Render's `PATCH /postgres/{id}`
 * (openapi `postgresPATCHInput`: name, plan, diskSizeGB, enableHighAvailability, readReplicas, ipAllowList).
 */
export const postgresFields = resourceFields(
  postgresInputsSchema,
  {
    name: "update",
    ownerId: "replace",
    plan: "update",
    version: "replace",
    region: "replace",
    highAvailability: "update",
    diskSizeGB: "update",
    readReplicas: "update",
    databaseName: "replace",
    databaseUser: "replace",
    environmentId: "replace",
    ipAllowList: "update",
  },
  postgresComputedSchema,
  { onlyWhenSet: ["diskSizeGB", "databaseName", "databaseUser", "ipAllowList", "environmentId"] },
);

/** Outputs: the inputs plus what Render computed. */
export type PostgresOutputs = PostgresInputs & z.output<typeof postgresComputedSchema>;

/** In place vs replacement (derived from {@link postgresFields}). */
const postgresDiffSpec: DiffSpec<PostgresInputs> = postgresFields.diffSpec;

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
    ipAllowList:
      prev?.ipAllowList === undefined && p.ipAllowList.length === 0
        ? undefined
        : p.ipAllowList.map((c) => ({ cidrBlock: c.cidrBlock, description: c.description ?? "" })),
  };
}

function outputs(i: PostgresInputs, p: Postgres, connectionInfo?: PostgresConnectionInfo): PostgresOutputs {
  return JSON.parse(
    JSON.stringify({
      ...i,
      postgresId: p.id,
      status: p.status,
      actualDatabaseName: p.databaseName,
      actualDatabaseUser: p.databaseUser,
      dashboardUrl: p.dashboardUrl,
      readReplicaIds: p.readReplicas.map((r) => r.id),
      ...(connectionInfo ? { connectionInfo } : {}),
    }),
  ) as PostgresOutputs;
}

/** `PATCH /postgres/{id}`, one part per field it sends ({@link postgresFields}`.update`). */
const POSTGRES_PATCH: BodyParts<PostgresInputs, (typeof postgresFields.update)[number]> = {
  name: (i) => ({ name: i.name }),
  plan: (i) => ({ plan: i.plan }),
  highAvailability: (i) => ({ enableHighAvailability: i.highAvailability }),
  readReplicas: (i) => ({ readReplicas: i.readReplicas.map((name) => ({ name })) }),
  diskSizeGB: (i) => (i.diskSizeGB !== undefined ? { diskSizeGB: i.diskSizeGB } : {}),
  ipAllowList: (i) => (i.ipAllowList !== undefined ? { ipAllowList: i.ipAllowList } : {}),
};

function patchBody(i: PostgresInputs): Record<string, unknown> {
  return bodyFrom(POSTGRES_PATCH, i);
}

async function connectionInfo(render: RenderClient, id: string): Promise<PostgresConnectionInfo> {
  return render.postgres.connectionInfo(id);
}

/** The dynamic provider for `render:Postgres`, typed with its checked inputs and its outputs. */
const postgresProvider = {
  configure: configureProvider,

  async check(olds: Partial<PostgresInputs> | undefined, news: Record<string, unknown>) {
    const res = checkWith("Postgres", postgresInputsSchema, news);
    const n = res.inputs as PostgresInputs;
    if (!res.failures?.length && olds?.diskSizeGB !== undefined && n.diskSizeGB !== undefined && n.diskSizeGB < olds.diskSizeGB) {
      return {
        inputs: res.inputs,
        failures: [
          {
            property: "diskSizeGB",
            reason: `Postgres "${n.name}": diskSizeGB: Render disks cannot shrink (${olds.diskSizeGB} → ${n.diskSizeGB}); keep ${olds.diskSizeGB} or more`,
          },
        ],
      };
    }
    return res;
  },

  async diff(_id: string, olds: PostgresOutputs, news: PostgresInputs) {
    return diffBySpec(postgresDiffSpec, olds, news);
  },

  async create(news: PostgresInputs) {
    const render = providerClient();
    const { resource, adopted } = await createOrAdopt<Postgres>({
      find: async () =>
        (await render.postgres.list({ name: [news.name], ownerId: [news.ownerId], includeReplicas: false })).find(
          (p) => p.name === news.name && p.version === news.version && p.region === news.region,
        ),
      create: () =>
        render.postgres.create({
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

  async read(id: string, props?: PostgresOutputs) {
    const render = providerClient();
    try {
      const pg = await render.postgres.get(id);
      const live = inputsFromPostgres(pg, props);
      return readResult(id, outputs(live, pg, await connectionInfo(render, id)), JSON.parse(JSON.stringify(live)) as PostgresInputs);
    } catch (e) {
      if (isNotFound(e)) return gone<PostgresOutputs>();
      throw e;
    }
  },

  async update(id: string, olds: PostgresOutputs, news: PostgresInputs) {
    const render = providerClient();
    const pg = changedFields(postgresDiffSpec, olds, news).length > 0 ? await render.postgres.update(id, patchBody(news)) : await render.postgres.get(id);
    // Connection info does not change with a PATCH of these fields: keep the known value (one call fewer).
    return { outs: outputs(news, pg, olds.connectionInfo ?? (await connectionInfo(render, id))) };
  },

  async delete(id: string) {
    try {
      await providerClient().postgres.delete(id);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
} satisfies pulumi.dynamic.ResourceProvider<PostgresInputs, PostgresOutputs>;

/** The same provider as the loader (`lazyProvider`) and the engine see it: property bags. */
export const provider: pulumi.dynamic.ResourceProvider = postgresProvider;
