import { isNotFound } from "../../../infra/render/errors";
import { apiPath, RenderHttp } from "../../../infra/render/http";
import { envVarSchema } from "../../../infra/render/schemas/env";
import { ServiceEnvApi } from "../../../infra/render/api/service-env";
import type { StateStore } from "./types";

/** Options of the Render env-var store. */
export interface RenderEnvStoreOptions {
  /** e.g. `https://api.render.com/v1` (no trailing slash). */
  apiUrl: string;
  /** Secret; the Render client sends it only in the Authorization header and never logs it. */
  apiKey: string;
  /** The edge's own service id: the only service this store ever reads or writes. */
  serviceId: string;
  envVar: string;
  /** Per-attempt timeout (default 5 s: a switch waits on this write). */
  timeoutMs?: number;
  /** Attempts per call (default 3). */
  attempts?: number;
}

/**
 * Keeps the state in one env var of the edge's own Render service (`GET`/`PUT /services/{id}/env-vars/{key}`),
 * through the project's Render client (timeouts, retries of these idempotent calls, rate-limit buckets, redaction).
 * Updating an env var through the API does not redeploy the service; a new or restarted instance reads the current
 * value at start. Rate-limit waits are capped at 5 s so a switch fails fast instead of hanging.
 */
export class RenderEnvStore implements StateStore {
  readonly kind = "render";
  private readonly http: RenderHttp;
  private readonly env: ServiceEnvApi;

  constructor(private readonly o: RenderEnvStoreOptions) {
    this.http = new RenderHttp({
      config: { apiUrl: o.apiUrl, apiKey: o.apiKey },
      timeoutMs: o.timeoutMs ?? 5_000,
      maxAttempts: o.attempts ?? 3,
      maxRateLimitWaitMs: 5_000,
    });
    this.env = new ServiceEnvApi(this.http);
  }

  async load(): Promise<unknown | undefined> {
    let value: string;
    try {
      value = (await this.http.request({ method: "GET", path: apiPath`/services/${this.o.serviceId}/env-vars/${this.o.envVar}`, schema: envVarSchema })).value;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw new Error(`reading env var ${this.o.envVar} of ${this.o.serviceId} from Render failed: ${(e as Error).message}`, { cause: e });
    }
    try {
      return JSON.parse(value);
    } catch (e) {
      throw new Error(`env var ${this.o.envVar} of ${this.o.serviceId} is not JSON; set it to {"<app>":"blue"} or let the edge write it`, { cause: e });
    }
  }

  async save(doc: unknown): Promise<void> {
    try {
      await this.env.setEnvVar(this.o.serviceId, this.o.envVar, JSON.stringify(doc));
    } catch (e) {
      throw new Error(`writing env var ${this.o.envVar} of ${this.o.serviceId} to Render failed: ${(e as Error).message}`, { cause: e });
    }
  }
}
