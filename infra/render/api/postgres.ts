import { z } from "zod";
import { apiPath, RenderHttp } from "../http";
import { paginate } from "../pagination";
import {
  Postgres,
  PostgresConnectionInfo,
  postgresConnectionInfoSchema,
  PostgresExport,
  postgresExportSchema,
  postgresRecoverySchema,
  postgresSchema,
} from "../schemas/postgres";

/** Body of `POST /postgres` (openapi `postgresPOSTInput`). */
export interface PostgresCreateBody {
  name: string;
  ownerId: string;
  plan: string;
  version: string;
  region?: string;
  databaseName?: string;
  databaseUser?: string;
  enableHighAvailability?: boolean;
  diskSizeGB?: number;
  environmentId?: string;
  ipAllowList?: Array<{ cidrBlock: string; description: string }>;
  readReplicas?: Array<{ name: string }>;
}

/** Body of `PATCH /postgres/{id}`. */
export type PostgresPatchBody = Partial<Pick<PostgresCreateBody, "name" | "plan" | "diskSizeGB" | "ipAllowList" | "readReplicas">> & {
  enableHighAvailability?: boolean;
};

/** Postgres instances, connection info, exports and point-in-time recovery. */
export class PostgresApi {
  constructor(private readonly http: RenderHttp) {}

  async list(filter: { name?: string[]; ownerId?: string[]; environmentId?: string[]; includeReplicas?: boolean } = {}): Promise<Postgres[]> {
    const rows = await paginate((cursor, limit) =>
      this.http.request({
        method: "GET",
        path: "/postgres",
        query: { ...filter, cursor, limit },
        schema: z.array(z.looseObject({ cursor: z.string(), postgres: postgresSchema })),
      }),
    );
    return rows.map((r) => r.postgres);
  }

  get(id: string): Promise<Postgres> {
    return this.http.request({ method: "GET", path: apiPath`/postgres/${id}`, schema: postgresSchema });
  }

  /** Creates an instance; not retried on 5xx (adopt by name instead). */
  create(body: PostgresCreateBody): Promise<Postgres> {
    return this.http.request({ method: "POST", path: "/postgres", body, schema: postgresSchema });
  }

  update(id: string, body: PostgresPatchBody): Promise<Postgres> {
    return this.http.request({ method: "PATCH", path: apiPath`/postgres/${id}`, body, schema: postgresSchema, idempotent: true });
  }

  delete(id: string): Promise<void> {
    return this.http.request({ method: "DELETE", path: apiPath`/postgres/${id}` });
  }

  /** Credentials and connection strings: every field is secret. */
  connectionInfo(id: string): Promise<PostgresConnectionInfo> {
    return this.http.request({ method: "GET", path: apiPath`/postgres/${id}/connection-info`, schema: postgresConnectionInfoSchema });
  }

  /** Starts a logical export (202, no body). Not retried on 5xx: list exports to see whether it started. */
  startExport(id: string): Promise<void> {
    return this.http.request({ method: "POST", path: apiPath`/postgres/${id}/export` });
  }

  listExports(id: string): Promise<PostgresExport[]> {
    return this.http.request({ method: "GET", path: apiPath`/postgres/${id}/export`, schema: z.array(postgresExportSchema) });
  }

  recoveryStatus(id: string): Promise<z.infer<typeof postgresRecoverySchema>> {
    return this.http.request({ method: "GET", path: apiPath`/postgres/${id}/recovery`, schema: postgresRecoverySchema });
  }

  /** Point-in-time recovery into a new instance. */
  recover(id: string, body: { restoreTime: string; restoreName?: string; plan?: string; environmentId?: string }): Promise<Postgres> {
    return this.http.request({ method: "POST", path: apiPath`/postgres/${id}/recovery`, body, schema: postgresSchema });
  }

  suspend(id: string): Promise<void> {
    return this.http.request({ method: "POST", path: apiPath`/postgres/${id}/suspend`, idempotent: true });
  }

  resume(id: string): Promise<void> {
    return this.http.request({ method: "POST", path: apiPath`/postgres/${id}/resume`, idempotent: true });
  }
}
