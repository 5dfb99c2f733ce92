import { z } from "zod";
import { apiPath, RenderHttp } from "../http";
import { paginate } from "../pagination";
import { registerSecret } from "../redact";
import { KeyValue, KeyValueConnectionInfo, keyValueConnectionInfoSchema, keyValueSchema } from "../schemas/key-value";

/** Body of `POST /key-value` (openapi `keyValuePOSTInput`). */
export interface KeyValueCreateBody {
  name: string;
  ownerId: string;
  plan: string;
  region?: string;
  environmentId?: string;
  maxmemoryPolicy?: string;
  ipAllowList?: Array<{ cidrBlock: string; description: string }>;
}

/** Body of `PATCH /key-value/{keyValueId}` (openapi `keyValuePATCHInput`): only these four fields change in place. */
export type KeyValuePatchBody = Partial<Pick<KeyValueCreateBody, "name" | "plan" | "maxmemoryPolicy" | "ipAllowList">>;

/** Render Key Value instances (Redis®-compatible) and their connection info. */
export class KeyValueApi {
  constructor(private readonly http: RenderHttp) {}

  async list(filter: { name?: string[]; ownerId?: string[]; region?: string[]; environmentId?: string[] } = {}): Promise<KeyValue[]> {
    const rows = await paginate((cursor, limit) =>
      this.http.request({
        method: "GET",
        path: "/key-value",
        query: { ...filter, cursor, limit },
        schema: z.array(z.looseObject({ cursor: z.string(), keyValue: keyValueSchema })),
      }),
    );
    return rows.map((r) => r.keyValue);
  }

  get(id: string): Promise<KeyValue> {
    return this.http.request({ method: "GET", path: apiPath`/key-value/${id}`, schema: keyValueSchema });
  }

  /** Creates an instance (201); not retried on 5xx (look it up by name instead). */
  create(body: KeyValueCreateBody): Promise<KeyValue> {
    return this.http.request({ method: "POST", path: "/key-value", body, schema: keyValueSchema });
  }

  /** PATCH returns the whole instance (cassette-notes §3); sending the same values again changes nothing. */
  update(id: string, body: KeyValuePatchBody): Promise<KeyValue> {
    return this.http.request({ method: "PATCH", path: apiPath`/key-value/${id}`, body, schema: keyValueSchema, idempotent: true });
  }

  /** 204; a repeat answers 404. */
  delete(id: string): Promise<void> {
    return this.http.request({ method: "DELETE", path: apiPath`/key-value/${id}` });
  }

  /**
   * Connection strings and the CLI command: every field is secret. They are registered with the redaction module as
   * they arrive, with the password inside them, so no later error or log line of this process can carry them (the
   * CLI command's `--pass <password>` has no shape a pattern would recognise).
   */
  async connectionInfo(id: string): Promise<KeyValueConnectionInfo> {
    const info = await this.http.request({ method: "GET", path: apiPath`/key-value/${id}/connection-info`, schema: keyValueConnectionInfoSchema });
    for (const v of [info.externalConnectionString, info.internalConnectionString, info.cliCommand]) registerSecret(v);
    for (const url of [info.externalConnectionString, info.internalConnectionString]) {
      try {
        registerSecret(decodeURIComponent(new URL(url).password));
      } catch {
        /* not a URL: registered whole above */
      }
    }
    const pass = /--pass(?:word)?\s+(\S+)/.exec(info.cliCommand)?.[1];
    if (pass) registerSecret(pass);
    return info;
  }
}
