import { z } from "zod";
import { apiPath, RenderHttp } from "../http";
import { paginate } from "../pagination";
import { deploySchema, Deploy } from "../schemas/deploy";
import { Autoscaling, autoscalingSchema, Service, serviceAndDeploySchema, serviceInstanceSchema, serviceSchema, ServiceType } from "../schemas/service";

const serviceListSchema = z.array(z.looseObject({ cursor: z.string(), service: serviceSchema }));
const deployListSchema = z.array(z.looseObject({ cursor: z.string(), deploy: deploySchema }));

/** Filters for `GET /services`. */
export interface ServiceFilter {
  name?: string[];
  ownerId?: string[];
  type?: ServiceType[];
  environmentId?: string[];
}

/** Body of `POST /services` (openapi `servicePOST`); kept loose because its `serviceDetails` varies by type. */
export type ServiceCreateBody = Record<string, unknown> & { type: ServiceType; name: string; ownerId: string };
/** Body of `PATCH /services/{id}` (openapi `servicePATCH`). */
export type ServicePatchBody = Record<string, unknown>;

/** Services: CRUD, scaling, suspend/resume, deploys and rollback. */
export class ServicesApi {
  constructor(private readonly http: RenderHttp) {}

  /** All services matching the filter, every page. */
  async list(filter: ServiceFilter = {}): Promise<Service[]> {
    const rows = await paginate((cursor, limit) =>
      this.http.request({ method: "GET", path: "/services", query: { ...filter, cursor, limit }, schema: serviceListSchema }),
    );
    return rows.map((r) => r.service);
  }

  get(id: string): Promise<Service> {
    return this.http.request({ method: "GET", path: apiPath`/services/${id}`, schema: serviceSchema });
  }

  /** Creates a service. Never retried on 5xx: callers adopt by name instead (see infra/providers/adopt.ts). */
  create(body: ServiceCreateBody): Promise<{ service: Service; deployId?: string }> {
    return this.http.request({ method: "POST", path: "/services", body, schema: serviceAndDeploySchema });
  }

  /** PATCH sets absolute field values, so repeating it after a lost response is harmless. */
  update(id: string, body: ServicePatchBody): Promise<Service> {
    return this.http.request({ method: "PATCH", path: apiPath`/services/${id}`, body, schema: serviceSchema, idempotent: true });
  }

  delete(id: string): Promise<void> {
    return this.http.request({ method: "DELETE", path: apiPath`/services/${id}` });
  }

  /** Sets the instance count (absolute, so safe to repeat). */
  scale(id: string, numInstances: number): Promise<void> {
    return this.http.request({ method: "POST", path: apiPath`/services/${id}/scale`, body: { numInstances }, idempotent: true });
  }

  setAutoscaling(id: string, autoscaling: Autoscaling): Promise<Autoscaling> {
    return this.http.request({ method: "PUT", path: apiPath`/services/${id}/autoscaling`, body: autoscaling, schema: autoscalingSchema });
  }

  deleteAutoscaling(id: string): Promise<void> {
    return this.http.request({ method: "DELETE", path: apiPath`/services/${id}/autoscaling` });
  }

  /** Suspending a suspended service changes nothing, so the call is safe to repeat. */
  suspend(id: string): Promise<void> {
    return this.http.request({ method: "POST", path: apiPath`/services/${id}/suspend`, idempotent: true });
  }

  resume(id: string): Promise<void> {
    return this.http.request({ method: "POST", path: apiPath`/services/${id}/resume`, idempotent: true });
  }

  restart(id: string): Promise<void> {
    return this.http.request({ method: "POST", path: apiPath`/services/${id}/restart` });
  }

  instances(id: string): Promise<Array<{ id: string; createdAt: string }>> {
    return this.http.request({ method: "GET", path: apiPath`/services/${id}/instances`, schema: z.array(serviceInstanceSchema) });
  }

  /**
   * Triggers a deploy. Render answers 201 with the deploy, or 202 with no body when it queued it; the result is
   * then undefined.
   *
   * Retried after a 5xx or a lost answer, unlike a create: a deploy is not an object anyone adopts but "make the
   * service's current config (or this image) live", and a repeat cannot add up. Under Render's overlapping-deploy
   * policies a new deploy cancels the one in progress (`override`, the default) or queues behind it, replacing any
   * older queued one (`wait`), so a lost answer followed by a retry leaves the same final state as one deploy: the
   * latest config, live. Looking
   * the first one up instead is not reliable: a deploy has no name, and the deploy started just before (e.g. the
   * service's first, before its env was written) looks the same but runs the old env.
   */
  async deploy(id: string, body: { clearCache?: "clear" | "do_not_clear"; commitId?: string; imageUrl?: string } = {}): Promise<Deploy | undefined> {
    return this.http.request({ method: "POST", path: apiPath`/services/${id}/deploys`, body, schema: deploySchema.optional(), idempotent: true });
  }

  getDeploy(id: string, deployId: string): Promise<Deploy> {
    return this.http.request({ method: "GET", path: apiPath`/services/${id}/deploys/${deployId}`, schema: deploySchema });
  }

  /** Deploys newest first, up to `max` (default 20). */
  async listDeploys(id: string, max = 20): Promise<Deploy[]> {
    const rows = await this.http.request({
      method: "GET",
      path: apiPath`/services/${id}/deploys`,
      query: { limit: Math.min(100, max) },
      schema: deployListSchema,
    });
    return rows.map((r) => r.deploy);
  }

  cancelDeploy(id: string, deployId: string): Promise<Deploy> {
    return this.http.request({ method: "POST", path: apiPath`/services/${id}/deploys/${deployId}/cancel`, schema: deploySchema });
  }

  /** Rolls back to a previous deploy (creates a new deploy; not retried on 5xx). */
  rollback(id: string, deployId: string): Promise<Deploy> {
    return this.http.request({ method: "POST", path: apiPath`/services/${id}/rollback`, body: { deployId }, schema: deploySchema });
  }
}
