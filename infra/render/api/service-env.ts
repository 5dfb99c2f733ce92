import { z } from "zod";
import { apiPath, RenderHttp } from "../http";
import { paginate } from "../pagination";
import { EnvVar, envVarSchema, envVarWithCursorSchema, SecretFile, secretFileSchema, secretFileWithCursorSchema } from "../schemas/env";

/** A service's env vars and secret files. Values are secrets: the client registers them for redaction. */
export class ServiceEnvApi {
  constructor(private readonly http: RenderHttp) {}

  /** Every env var of a service (all pages). */
  async listEnvVars(serviceId: string): Promise<EnvVar[]> {
    const rows = await paginate((cursor, limit) =>
      this.http.request({
        method: "GET",
        path: apiPath`/services/${serviceId}/env-vars`,
        query: { cursor, limit },
        schema: z.array(envVarWithCursorSchema),
      }),
    );
    return rows.map((r) => r.envVar);
  }

  /** Replaces all env vars of a service with `vars` (Render's PUT is replace-all). */
  async replaceEnvVars(serviceId: string, vars: EnvVar[]): Promise<EnvVar[]> {
    const rows = await this.http.request({
      method: "PUT",
      path: apiPath`/services/${serviceId}/env-vars`,
      body: vars.map(({ key, value }) => ({ key, value })),
      schema: z.array(envVarWithCursorSchema),
    });
    return rows.map((r) => r.envVar);
  }

  setEnvVar(serviceId: string, key: string, value: string): Promise<EnvVar> {
    return this.http.request({ method: "PUT", path: apiPath`/services/${serviceId}/env-vars/${key}`, body: { value }, schema: envVarSchema });
  }

  deleteEnvVar(serviceId: string, key: string): Promise<void> {
    return this.http.request({ method: "DELETE", path: apiPath`/services/${serviceId}/env-vars/${key}` });
  }

  async listSecretFiles(serviceId: string): Promise<SecretFile[]> {
    const rows = await paginate((cursor, limit) =>
      this.http.request({
        method: "GET",
        path: apiPath`/services/${serviceId}/secret-files`,
        query: { cursor, limit },
        schema: z.array(secretFileWithCursorSchema),
      }),
    );
    return rows.map((r) => r.secretFile);
  }

  /** Replaces all secret files of a service (replace-all PUT). */
  async replaceSecretFiles(serviceId: string, files: SecretFile[]): Promise<SecretFile[]> {
    const rows = await this.http.request({
      method: "PUT",
      path: apiPath`/services/${serviceId}/secret-files`,
      body: files.map(({ name, content }) => ({ name, content })),
      schema: z.array(secretFileWithCursorSchema),
    });
    return rows.map((r) => r.secretFile);
  }

  setSecretFile(serviceId: string, name: string, content: string): Promise<SecretFile> {
    return this.http.request({ method: "PUT", path: apiPath`/services/${serviceId}/secret-files/${name}`, body: { content }, schema: secretFileSchema });
  }

  deleteSecretFile(serviceId: string, name: string): Promise<void> {
    return this.http.request({ method: "DELETE", path: apiPath`/services/${serviceId}/secret-files/${name}` });
  }
}
