import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { RenderClient } from "../../render/client";
import { isNotFound } from "../../render/errors";
import { checkWith, requireSecret, secretMarkerSchema } from "../check";
import { configureProvider, providerClient } from "../context";
import { diffBySpec, DiffSpec } from "../diff";
import { type ResourceFields, resourceFields } from "../fields";
import { gone, readResult } from "../read-result";
import { deployToApplyEnv } from "./redeploy";

/**
 * One provider shape for a service's env vars and its secret files: both are a name→secret map that Render
 * replaces as a whole with one PUT (cassette-notes §3), which makes create, update and delete naturally idempotent.
 *
 * The resource owns the whole list, except `unmanagedKeys`: names some other actor writes (e.g. the edge persisting
 * its active slot), which are preserved on every write and ignored by `read`.
 */
export interface ServiceListKind {
  /** Resource type name for messages ("EnvVars"). */
  kind: string;
  /** Input field holding the map ("values" or "files"). */
  field: "values" | "files";
  /** Id suffix ("env-vars"). */
  suffix: string;
  /** Name rule and its message. */
  nameRule: [RegExp, string];
  list: (c: RenderClient, serviceId: string) => Promise<Array<[string, string]>>;
  replace: (c: RenderClient, serviceId: string, entries: Array<[string, string]>) => Promise<void>;
}

/**
 * Serializes read-modify-write cycles per service and list within this provider process: two resources sharing a
 * service's list (each naming the other's keys as unmanaged) run in parallel under `pulumi up`, and an unguarded
 * GET-then-PUT of one would overwrite the other's PUT.
 */
const locks = new Map<string, Promise<unknown>>();
async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.catch(() => undefined);
  locks.set(key, tail);
  try {
    return await run;
  } finally {
    if (locks.get(key) === tail) locks.delete(key);
  }
}

/** Inputs shared by both kinds (each has one of `values` and `files`); the outputs are the inputs. */
export type ServiceListInputs = {
  /** The service (`srv-…`); changing it replaces the resource. */
  serviceId: string;
  /** EnvVars: the service's env vars (secret). */
  values?: Record<string, string>;
  /** SecretFiles: file name → content (secret). */
  files?: Record<string, string>;
  /** Keys written by someone else (kept on every write, ignored on refresh). */
  unmanagedKeys: string[];
  /** Whether each secret-bearing input arrived as a Pulumi secret (see check.ts). */
  secretInputs?: Record<string, boolean>;
};

/**
 * How each field changes: the list and the unmanaged keys are the one replace-all PUT (the unmanaged keys decide
 * which live entries it keeps); the service is fixed.
 */
function serviceListChanges(field: ServiceListKind["field"]) {
  return { serviceId: "replace", [field]: "update", unmanagedKeys: "update", secretInputs: "local" } as {
    serviceId: "replace";
    values: "update";
    files: "update";
    unmanagedKeys: "update";
    secretInputs: "local";
  };
}

/** Builds the provider for one kind. */
export function serviceListProvider(k: ServiceListKind): pulumi.dynamic.ResourceProvider & {
  schema: z.ZodType<ServiceListInputs>;
  fields: ResourceFields<ServiceListInputs, Record<never, never>, ReturnType<typeof serviceListChanges>>;
} {
  const schema = z
    .object({
      serviceId: z.string().regex(/^(srv|crn)-[a-z0-9]+$/, "serviceId must be a service id like srv-…"),
      [k.field]: z.record(z.string().regex(k.nameRule[0], k.nameRule[1]), z.string()).default({}),
      unmanagedKeys: z.array(z.string()).default([]),
      secretInputs: secretMarkerSchema,
    })
    .strict()
    .superRefine((v, ctx) => {
      requireSecret(ctx, v.secretInputs as Record<string, boolean> | undefined, k.field);
      const map = v[k.field] as Record<string, string>;
      for (const u of v.unmanagedKeys as string[]) {
        if (u in map)
          ctx.addIssue({ code: "custom", path: ["unmanagedKeys"], message: `${u} is both managed (in ${k.field}) and unmanaged; keep it in one list` });
      }
    }) as unknown as z.ZodType<ServiceListInputs>;

  const fields = resourceFields(schema, serviceListChanges(k.field), z.object({}));
  const spec: DiffSpec<ServiceListInputs> = fields.diffSpec;
  const id = (serviceId: string): string => `${serviceId}/${k.suffix}`;
  const mapOf = (i: ServiceListInputs): Record<string, string> => i[k.field] ?? {};

  /**
   * Writes the desired map, keeping the current values of unmanaged keys (one GET only when there are any), then,
   * when `deploy` is set, triggers a deploy: Render's API stores env changes without applying them (unlike the
   * dashboard's "save and deploy"), so a service created before its env, like the edge, would otherwise keep its
   * failed first deploy, and a changed value would wait for an unrelated deploy.
   */
  async function write(serviceId: string, want: Record<string, string>, unmanaged: string[], deploy: boolean): Promise<void> {
    const render = providerClient();
    await withLock(`${serviceId}/${k.suffix}`, async () => {
      let kept: Array<[string, string]> = [];
      if (unmanaged.length > 0) kept = (await k.list(render, serviceId)).filter(([n]) => unmanaged.includes(n));
      await k.replace(render, serviceId, [...Object.entries(want), ...kept]);
    });
    if (deploy) await deployToApplyEnv(render, serviceId);
  }

  const typed = {
    configure: configureProvider,

    async check(_olds: unknown, news: Record<string, unknown>) {
      return checkWith(k.kind, schema, news);
    },

    async diff(_id: string, olds: ServiceListInputs, news: ServiceListInputs) {
      return diffBySpec(spec, olds, news);
    },

    async create(news: ServiceListInputs) {
      await write(news.serviceId, mapOf(news), news.unmanagedKeys, true);
      return { id: id(news.serviceId), outs: { ...news } };
    },

    async read(rid: string, props?: ServiceListInputs) {
      const serviceId = props?.serviceId ?? rid.split("/")[0];
      const unmanaged = props?.unmanagedKeys ?? [];
      try {
        const entries = (await k.list(providerClient(), serviceId)).filter(([n]) => !unmanaged.includes(n));
        const live: ServiceListInputs = {
          serviceId,
          [k.field]: Object.fromEntries(entries),
          unmanagedKeys: unmanaged,
          ...(props?.secretInputs ? { secretInputs: props.secretInputs } : {}),
        };
        return readResult(rid, live, live);
      } catch (e) {
        if (isNotFound(e)) return gone<ServiceListInputs>();
        throw e;
      }
    },

    async update(_id: string, _olds: ServiceListInputs, news: ServiceListInputs) {
      await write(news.serviceId, mapOf(news), news.unmanagedKeys, true);
      return { outs: { ...news } };
    },

    async delete(_id: string, props: ServiceListInputs) {
      try {
        // No deploy: the service is usually being deleted too; the next deploy applies the removal otherwise.
        await write(props.serviceId, {}, props.unmanagedKeys ?? [], false);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    },
  } satisfies pulumi.dynamic.ResourceProvider<ServiceListInputs, ServiceListInputs>;
  // The engine and the loader see property bags.
  return Object.assign(typed as pulumi.dynamic.ResourceProvider, { schema, fields });
}
