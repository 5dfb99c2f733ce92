import { CustomDomainsApi } from "./api/custom-domains";
import { EnvGroupsApi } from "./api/env-groups";
import { KeyValueApi } from "./api/key-value";
import { PostgresApi } from "./api/postgres";
import { ServiceEnvApi } from "./api/service-env";
import { ServicesApi } from "./api/services";
import { WorkspaceApi } from "./api/workspace";
import { renderConfigFromEnv } from "./config";
import { RenderHttp, RenderHttpOptions } from "./http";

/**
 * Typed Render API client for the operations stackguard uses. Every response is validated with zod; every call
 * has a timeout, retries only where safe, honours rate limits, and is logged (redacted) and counted.
 *
 * ```ts
 * const render = RenderClient.fromEnv();
 * const svc = await render.services.get("srv-…");
 * ```
 */
export class RenderClient {
  readonly services: ServicesApi;
  readonly serviceEnv: ServiceEnvApi;
  readonly envGroups: EnvGroupsApi;
  readonly customDomains: CustomDomainsApi;
  readonly postgres: PostgresApi;
  readonly keyValue: KeyValueApi;
  readonly workspace: WorkspaceApi;

  constructor(readonly http: RenderHttp) {
    this.services = new ServicesApi(http);
    this.serviceEnv = new ServiceEnvApi(http);
    this.envGroups = new EnvGroupsApi(http);
    this.customDomains = new CustomDomainsApi(http);
    this.postgres = new PostgresApi(http);
    this.keyValue = new KeyValueApi(http);
    this.workspace = new WorkspaceApi(http);
  }

  /** Builds a client from `RENDER_API_URL` / `RENDER_API_KEY` (plus any transport options). */
  static fromEnv(opts: Omit<RenderHttpOptions, "config"> = {}, env: NodeJS.ProcessEnv = process.env): RenderClient {
    return new RenderClient(new RenderHttp({ ...opts, config: renderConfigFromEnv(env) }));
  }
}
