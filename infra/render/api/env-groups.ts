import { z } from "zod";
import { apiPath, RenderHttp } from "../http";
import { paginate } from "../pagination";
import { EnvGroup, EnvGroupMeta, envGroupMetaSchema, envGroupSchema, EnvVar, SecretFile } from "../schemas/env";

/** Env groups, their values and their links to services. */
export class EnvGroupsApi {
  constructor(private readonly http: RenderHttp) {}

  /** Env group metadata (no values) matching the filter. */
  async list(filter: { name?: string[]; ownerId?: string[]; environmentId?: string[] } = {}): Promise<EnvGroupMeta[]> {
    // The spec lists env groups as bare metadata objects; accept the `{cursor, envGroup}` wrapper too, and page on
    // the id when no cursor is given.
    const row = z.union([z.looseObject({ cursor: z.string(), envGroup: envGroupMetaSchema }), envGroupMetaSchema]);
    const rows = await paginate(async (cursor, limit) => {
      const page = await this.http.request({ method: "GET", path: "/env-groups", query: { ...filter, cursor, limit }, schema: z.array(row) });
      return page.map((r): EnvGroupMeta & { cursor: string } => {
        const rec = r as Record<string, unknown>;
        if (rec.envGroup) return { ...(rec.envGroup as EnvGroupMeta), cursor: String(rec.cursor) };
        const meta = r as EnvGroupMeta;
        return { ...meta, cursor: typeof rec.cursor === "string" ? rec.cursor : meta.id };
      });
    });
    return rows.map(({ cursor: _c, ...meta }) => meta as EnvGroupMeta);
  }

  get(id: string): Promise<EnvGroup> {
    return this.http.request({ method: "GET", path: apiPath`/env-groups/${id}`, schema: envGroupSchema });
  }

  /** Creates a group; not retried on 5xx (adopt by name instead). */
  create(body: {
    name: string;
    ownerId: string;
    envVars: EnvVar[];
    secretFiles?: SecretFile[];
    environmentId?: string;
    serviceIds?: string[];
  }): Promise<EnvGroup> {
    return this.http.request({ method: "POST", path: "/env-groups", body, schema: envGroupSchema });
  }

  rename(id: string, name: string): Promise<EnvGroup> {
    return this.http.request({ method: "PATCH", path: apiPath`/env-groups/${id}`, body: { name }, schema: envGroupSchema, idempotent: true });
  }

  delete(id: string): Promise<void> {
    return this.http.request({ method: "DELETE", path: apiPath`/env-groups/${id}` });
  }

  setEnvVar(id: string, key: string, value: string): Promise<EnvGroup> {
    return this.http.request({ method: "PUT", path: apiPath`/env-groups/${id}/env-vars/${key}`, body: { value }, schema: envGroupSchema });
  }

  deleteEnvVar(id: string, key: string): Promise<void> {
    return this.http.request({ method: "DELETE", path: apiPath`/env-groups/${id}/env-vars/${key}` });
  }

  setSecretFile(id: string, name: string, content: string): Promise<EnvGroup> {
    return this.http.request({ method: "PUT", path: apiPath`/env-groups/${id}/secret-files/${name}`, body: { content }, schema: envGroupSchema });
  }

  deleteSecretFile(id: string, name: string): Promise<void> {
    return this.http.request({ method: "DELETE", path: apiPath`/env-groups/${id}/secret-files/${name}` });
  }

  /** Links a service; linking twice leaves one link, so it is safe to repeat. */
  linkService(id: string, serviceId: string): Promise<EnvGroup> {
    return this.http.request({ method: "POST", path: apiPath`/env-groups/${id}/services/${serviceId}`, schema: envGroupSchema, idempotent: true });
  }

  unlinkService(id: string, serviceId: string): Promise<void> {
    return this.http.request({ method: "DELETE", path: apiPath`/env-groups/${id}/services/${serviceId}` });
  }
}
