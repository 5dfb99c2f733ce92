import { z } from "zod";
import { apiPath, RenderHttp } from "../http";
import { paginate } from "../pagination";
import { CustomDomain, customDomainSchema } from "../schemas/domain";

/** Custom domains of a service. */
export class CustomDomainsApi {
  constructor(private readonly http: RenderHttp) {}

  async list(serviceId: string): Promise<CustomDomain[]> {
    const rows = await paginate((cursor, limit) =>
      this.http.request({
        method: "GET",
        path: apiPath`/services/${serviceId}/custom-domains`,
        query: { cursor, limit },
        schema: z.array(z.looseObject({ cursor: z.string(), customDomain: customDomainSchema })),
      }),
    );
    return rows.map((r) => r.customDomain);
  }

  /** By id (`cdm-…`) or by name. */
  get(serviceId: string, idOrName: string): Promise<CustomDomain> {
    return this.http.request({ method: "GET", path: apiPath`/services/${serviceId}/custom-domains/${idOrName}`, schema: customDomainSchema });
  }

  /** Adds a domain; Render answers with an array (cassette-notes §3). Not retried on 5xx. */
  async create(serviceId: string, name: string): Promise<CustomDomain> {
    const arr = await this.http.request({
      method: "POST",
      path: apiPath`/services/${serviceId}/custom-domains`,
      body: { name },
      schema: z.array(customDomainSchema).min(1),
    });
    return arr.find((d) => d.name === name) ?? arr[0];
  }

  delete(serviceId: string, idOrName: string): Promise<void> {
    return this.http.request({ method: "DELETE", path: apiPath`/services/${serviceId}/custom-domains/${idOrName}` });
  }

  /** Asks Render to re-check DNS (202, no body). Repeating it only re-checks. */
  verify(serviceId: string, idOrName: string): Promise<void> {
    return this.http.request({ method: "POST", path: apiPath`/services/${serviceId}/custom-domains/${idOrName}/verify`, idempotent: true });
  }
}
