import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isNotFound } from "../../render/errors";
import { EnvGroup } from "../../render/schemas/env";
import { createOrAdopt } from "../adopt";
import { checkWith, requireSecret, secretMarkerSchema } from "../check";
import { assertAdoptable, configureProvider, providerClient } from "../context";
import { diffBySpec, DiffSpec } from "../diff";
import { resourceFields } from "../fields";
import { gone, readResult } from "../read-result";
import { ENV_KEY, FILE_NAME } from "./names";
import { deployToApplyEnv } from "./redeploy";

/** Checked inputs of an EnvGroup: the one list of its input fields ({@link envGroupFields}). */
export const envGroupInputsSchema = z
  .object({
    /** Group name (rename in place). */
    name: z.string().trim().min(1, "name is required"),
    /** Workspace `tea-…` (replacement). */
    ownerId: z.string().regex(/^(tea|usr)-[a-z0-9]+$/, "ownerId must be a workspace id like tea-…"),
    /** Render environment (replacement). */
    environmentId: z
      .string()
      .regex(/^evm-[a-z0-9]+$/, "environmentId must be an environment id like evm-…")
      .optional(),
    envVars: z.record(z.string().regex(ENV_KEY, "env var keys are letters, digits and '_' (not starting with a digit)"), z.string()).default({}),
    secretFiles: z.record(z.string().regex(FILE_NAME, "secret file names are plain file names (no '/')"), z.string()).default({}),
    secretInputs: secretMarkerSchema,
  })
  .strict()
  .superRefine((v, ctx) => {
    requireSecret(ctx, v.secretInputs, "envVars");
    requireSecret(ctx, v.secretInputs, "secretFiles");
  });
type EnvGroupInputs = z.infer<typeof envGroupInputsSchema>;

/** What Render computes for an env group. */
const envGroupComputedSchema = z.object({
  /** `evg-…` (same as `id`). */
  envGroupId: z.string(),
});

/**
 * The rename is the group's PATCH (openapi `envGroupPATCHInput`: name only); env vars and secret files are written
 * key by key (PUT/DELETE `/env-groups/{id}/env-vars/{key}`, `…/secret-files/{name}`); owner and environment are fixed.
 */
export const envGroupFields = resourceFields(
  envGroupInputsSchema,
  { name: "update", ownerId: "replace", environmentId: "replace", envVars: "action", secretFiles: "action", secretInputs: "local" },
  envGroupComputedSchema,
);

/** Outputs: inputs plus the group's id. `envVars`/`secretFiles` stay secret (additionalSecretOutputs + secret inputs). */
export type EnvGroupOutputs = EnvGroupInputs & z.output<typeof envGroupComputedSchema>;

/** In place vs replacement (derived from {@link envGroupFields}). */
const envGroupDiffSpec: DiffSpec<EnvGroupInputs> = envGroupFields.diffSpec;

function inputsFromGroup(g: EnvGroup, secretInputs?: Record<string, boolean>): EnvGroupInputs {
  return {
    name: g.name,
    ownerId: g.ownerId,
    environmentId: g.environmentId || undefined,
    envVars: Object.fromEntries(g.envVars.map((e) => [e.key, e.value])),
    secretFiles: Object.fromEntries(g.secretFiles.map((f) => [f.name, f.content])),
    ...(secretInputs ? { secretInputs } : {}),
  };
}

function outputs(i: EnvGroupInputs, id: string): EnvGroupOutputs {
  return JSON.parse(JSON.stringify({ ...i, envGroupId: id })) as EnvGroupOutputs;
}

/**
 * Applies per-key PUT/DELETE so the group holds exactly the desired values (Render has no replace-all for groups),
 * then deploys the linked services when a value changed: Render stores group changes without applying them, and a
 * linked service runs with the env its live deploy started with until its next deploy.
 */
async function converge(id: string, live: EnvGroupInputs, want: EnvGroupInputs): Promise<void> {
  const render = providerClient();
  let seen: EnvGroup | undefined;
  let valuesChanged = false;
  if (live.name !== want.name) seen = await render.envGroups.rename(id, want.name);
  for (const [k, v] of Object.entries(want.envVars)) {
    if (live.envVars[k] === v) continue;
    seen = await render.envGroups.setEnvVar(id, k, v);
    valuesChanged = true;
  }
  for (const k of Object.keys(live.envVars)) {
    if (k in want.envVars) continue;
    await ignore404(render.envGroups.deleteEnvVar(id, k));
    valuesChanged = true;
  }
  for (const [n, c] of Object.entries(want.secretFiles)) {
    if (live.secretFiles[n] === c) continue;
    seen = await render.envGroups.setSecretFile(id, n, c);
    valuesChanged = true;
  }
  for (const n of Object.keys(live.secretFiles)) {
    if (n in want.secretFiles) continue;
    await ignore404(render.envGroups.deleteSecretFile(id, n));
    valuesChanged = true;
  }
  if (!valuesChanged) return;
  // Every write answers with the whole group (links included); only deletions need a read.
  const links = (seen ?? (await render.envGroups.get(id))).serviceLinks;
  for (const l of links) await deployToApplyEnv(render, l.id);
}

async function ignore404(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** The dynamic provider for `render:EnvGroup`, typed with its checked inputs and its outputs. */
const envGroupProvider = {
  configure: configureProvider,

  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith("EnvGroup", envGroupInputsSchema, news);
  },

  async diff(_id: string, olds: EnvGroupOutputs, news: EnvGroupInputs) {
    return diffBySpec(envGroupDiffSpec, olds, news);
  },

  async create(news: EnvGroupInputs) {
    const render = providerClient();
    const { resource, adopted } = await createOrAdopt<{ id: string; full?: EnvGroup }>({
      find: async () => {
        const metas = await render.envGroups.list({ name: [news.name], ownerId: [news.ownerId] });
        const m = metas.find((g) => g.name === news.name && g.ownerId === news.ownerId && (g.environmentId || undefined) === news.environmentId);
        return m ? { id: m.id } : undefined;
      },
      create: async () => {
        const g = await render.envGroups.create({
          name: news.name,
          ownerId: news.ownerId,
          envVars: Object.entries(news.envVars).map(([key, value]) => ({ key, value })),
          secretFiles: Object.entries(news.secretFiles).map(([name, content]) => ({ name, content })),
          ...(news.environmentId ? { environmentId: news.environmentId } : {}),
        });
        return { id: g.id, full: g };
      },
    });
    if (adopted) {
      await assertAdoptable(render, resource.id, "env-groups");
      const live = await render.envGroups.get(resource.id);
      await converge(resource.id, inputsFromGroup(live), news);
    }
    return { id: resource.id, outs: outputs(news, resource.id) };
  },

  async read(id: string, props?: EnvGroupOutputs) {
    try {
      const g = await providerClient().envGroups.get(id);
      const live = inputsFromGroup(g, props?.secretInputs);
      return readResult(id, outputs(live, id), live);
    } catch (e) {
      if (isNotFound(e)) return gone<EnvGroupOutputs>();
      throw e;
    }
  },

  async update(id: string, olds: EnvGroupOutputs, news: EnvGroupInputs) {
    await converge(id, olds, news);
    return { outs: outputs(news, id) };
  },

  async delete(id: string) {
    await ignore404(providerClient().envGroups.delete(id));
  },
} satisfies pulumi.dynamic.ResourceProvider<EnvGroupInputs, EnvGroupOutputs>;

/** The same provider as the loader (`lazyProvider`) and the engine see it: property bags. */
export const provider: pulumi.dynamic.ResourceProvider = envGroupProvider;
