import type { StateStore } from "./types";

/** Options of the Render env-var store. */
export interface RenderEnvStoreOptions {
  /** e.g. `https://api.render.com/v1` (no trailing slash). */
  apiUrl: string;
  /** Secret; sent only in the Authorization header, never logged or put in an error. */
  apiKey: string;
  /** The edge's own service id: the only service this store ever reads or writes. */
  serviceId: string;
  envVar: string;
  timeoutMs?: number;
  attempts?: number;
}

/**
 * Keeps the state in one env var of the edge's own Render service (`GET`/`PUT /services/{id}/env-vars/{key}`).
 * Updating an env var through the API does not redeploy the service; a new or restarted instance reads the current
 * value at start. Both calls are idempotent, so transport errors, 429 and 5xx are retried (honouring Render's
 * `Ratelimit-Reset` seconds), each attempt under a timeout.
 */
export class RenderEnvStore implements StateStore {
  readonly kind = "render";
  constructor(private readonly o: RenderEnvStoreOptions) {}

  private get url(): string {
    return `${this.o.apiUrl}/services/${encodeURIComponent(this.o.serviceId)}/env-vars/${encodeURIComponent(this.o.envVar)}`;
  }

  private async call(method: "GET" | "PUT", body?: unknown): Promise<Response> {
    const attempts = this.o.attempts ?? 3;
    let last = "";
    for (let i = 0; i < attempts; i++) {
      try {
        const res = await fetch(this.url, {
          method,
          headers: { authorization: `Bearer ${this.o.apiKey}`, accept: "application/json", ...(body ? { "content-type": "application/json" } : {}) },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 5_000),
        });
        if (res.status === 429 || res.status >= 500) {
          last = `HTTP ${res.status}`;
          const reset = Number(res.headers.get("ratelimit-reset") ?? res.headers.get("retry-after") ?? "");
          await res.arrayBuffer().catch(() => undefined);
          await sleep(Number.isFinite(reset) && reset > 0 ? Math.min(reset * 1000, 5_000) : 200 * 2 ** i);
          continue;
        }
        return res;
      } catch (e) {
        last = (e as Error).name === "TimeoutError" ? "timeout" : (e as Error).message;
        await sleep(200 * 2 ** i);
      }
    }
    throw new Error(`Render API ${method} env var ${this.o.envVar} of ${this.o.serviceId} failed after ${attempts} attempts (${last})`);
  }

  async load(): Promise<unknown | undefined> {
    const res = await this.call("GET");
    if (res.status === 404) {
      await res.arrayBuffer().catch(() => undefined);
      return undefined;
    }
    if (res.status !== 200) {
      await res.arrayBuffer().catch(() => undefined);
      throw new Error(`Render API GET env var ${this.o.envVar} of ${this.o.serviceId}: HTTP ${res.status}${res.status === 401 ? " (check EDGE_RENDER_API_KEY)" : ""}`);
    }
    const body = (await res.json()) as { value?: unknown };
    if (typeof body.value !== "string") throw new Error(`Render API returned env var ${this.o.envVar} without a string value`);
    return JSON.parse(body.value);
  }

  async save(doc: unknown): Promise<void> {
    const res = await this.call("PUT", { value: JSON.stringify(doc) });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status !== 200) {
      throw new Error(`Render API PUT env var ${this.o.envVar} of ${this.o.serviceId}: HTTP ${res.status}${res.status === 401 ? " (check EDGE_RENDER_API_KEY)" : ""}`);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
