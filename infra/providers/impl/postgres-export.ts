import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isNotFound, isRenderApiError } from "../../render/errors";
import { PostgresExport } from "../../render/schemas/postgres";
import { checkWith } from "../check";
import { configureProvider, providerClient } from "../context";
import { diffBySpec, DiffSpec } from "../diff";
import { resourceFields } from "../fields";
import { gone, readResult } from "../read-result";

/**
 * A logical export of a Postgres instance, as a resource: creating it starts an export; changing `trigger` starts a
 * new one (replacement). Deleting it forgets the export (Render keeps exports for their retention period).
 */
export const postgresExportInputsSchema = z
  .object({
    /** The Postgres instance `dpg-…-a`. */
    postgresId: z.string().regex(/^dpg-[a-z0-9]+(-[a-z])?$/, "postgresId must be a Postgres id like dpg-…-a"),
    /** Any value; change it to take a new export (e.g. a release version or a date). */
    trigger: z.string().default(""),
  })
  .strict();
type PostgresExportInputs = z.infer<typeof postgresExportInputsSchema>;

/** What Render records of the export; `url` is a download link, so it is secret (additionalSecretOutputs). */
const postgresExportComputedSchema = z.object({
  exportId: z.string(),
  createdAt: z.string(),
  /** Secret download link. */
  url: z.string().optional(),
});

/** An export is not changed, only taken again: both fields replace. */
export const postgresExportFields = resourceFields(postgresExportInputsSchema, { postgresId: "replace", trigger: "replace" }, postgresExportComputedSchema);

/** Outputs: the inputs and the export. */
export type PostgresExportOutputs = PostgresExportInputs & z.output<typeof postgresExportComputedSchema>;

/** Replacement only (derived from {@link postgresExportFields}). */
const postgresExportDiffSpec: DiffSpec<PostgresExportInputs> = postgresExportFields.diffSpec;

function newest(list: PostgresExport[], notBefore: number, known: Set<string>): PostgresExport | undefined {
  return list.filter((e) => !known.has(e.id) && Date.parse(e.createdAt) >= notBefore).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
}

/** The dynamic provider for `render:PostgresExport`, typed with its checked inputs and its outputs. */
const postgresExportProvider = {
  configure: configureProvider,

  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith("PostgresExport", postgresExportInputsSchema, news);
  },

  async diff(_id: string, olds: PostgresExportOutputs, news: PostgresExportInputs) {
    return diffBySpec(postgresExportDiffSpec, olds, news);
  },

  async create(news: PostgresExportInputs) {
    const render = providerClient();
    const known = new Set((await render.postgres.listExports(news.postgresId)).map((e) => e.id));
    // Allow for clock skew between us and Render when matching the export we started.
    const startedAt = Date.now() - 120_000;
    try {
      await render.postgres.startExport(news.postgresId);
    } catch (e) {
      // Outcome unknown: if an export appeared, it is ours (adoption); otherwise the error stands.
      if (!(isRenderApiError(e) && e.outcomeUnknown)) throw e;
      const appeared = newest(await render.postgres.listExports(news.postgresId), startedAt, known);
      if (!appeared) throw e;
    }
    const deadline = Date.now() + 60_000;
    for (;;) {
      const mine = newest(await render.postgres.listExports(news.postgresId), startedAt, known);
      if (mine) return { id: mine.id, outs: { ...news, exportId: mine.id, createdAt: mine.createdAt, ...(mine.url ? { url: mine.url } : {}) } };
      if (Date.now() > deadline)
        throw new Error(`PostgresExport: export of ${news.postgresId} started but did not appear within 60 s; run pulumi refresh later`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  },

  async read(id: string, props?: PostgresExportOutputs) {
    if (!props) throw new Error(`PostgresExport ${id}: reading needs the state's postgresId (exports are listed per instance)`);
    try {
      const e = (await providerClient().postgres.listExports(props.postgresId)).find((x) => x.id === id);
      if (!e) return gone<PostgresExportOutputs>();
      const inputs = { postgresId: props.postgresId, trigger: props.trigger ?? "" };
      return readResult(id, { ...inputs, exportId: e.id, createdAt: e.createdAt, ...(e.url ? { url: e.url } : {}) }, inputs);
    } catch (e) {
      if (isNotFound(e)) return gone<PostgresExportOutputs>();
      throw e;
    }
  },

  async update(_id: string, olds: PostgresExportOutputs, news: PostgresExportInputs) {
    return { outs: { ...olds, ...news } };
  },

  // Exports cannot be deleted through the API; dropping the resource only forgets it.
  async delete() {},
} satisfies pulumi.dynamic.ResourceProvider<PostgresExportInputs, PostgresExportOutputs>;

/** The same provider as the loader (`lazyProvider`) and the engine see it: property bags. */
export const provider: pulumi.dynamic.ResourceProvider = postgresExportProvider;
