import { z } from "zod";
import { apiPath, RenderHttp } from "../http";
import { paginate } from "../pagination";
import { Owner, ownerSchema } from "../schemas/common";
import { Environment, environmentSchema, MetricSeries, metricSeriesSchema, NotificationOverride, notificationOverrideSchema } from "../schemas/workspace";

/** Metrics Render exposes under `/metrics/<name>`. */
export type MetricName = "cpu" | "memory" | "http-requests" | "http-latency" | "instance-count" | "bandwidth" | "active-connections" | "disk-usage";

/** Query for a metrics call. */
export interface MetricsQuery {
  resource?: string;
  service?: string;
  startTime?: string;
  endTime?: string;
  resolutionSeconds?: number;
  /** For http-latency, e.g. 0.95. */
  quantile?: number;
  aggregationMethod?: "AVG" | "MAX" | "MIN";
}

/** Owners (workspaces), environments, metrics and notification overrides. */
export class WorkspaceApi {
  constructor(private readonly http: RenderHttp) {}

  async listOwners(): Promise<Owner[]> {
    const rows = await paginate((cursor, limit) =>
      this.http.request({
        method: "GET",
        path: "/owners",
        query: { cursor, limit },
        schema: z.array(z.looseObject({ cursor: z.string(), owner: ownerSchema })),
      }),
    );
    return rows.map((r) => r.owner);
  }

  getOwner(id: string): Promise<Owner> {
    return this.http.request({ method: "GET", path: apiPath`/owners/${id}`, schema: ownerSchema });
  }

  getEnvironment(id: string): Promise<Environment> {
    return this.http.request({ method: "GET", path: apiPath`/environments/${id}`, schema: environmentSchema });
  }

  async listEnvironments(projectId: string): Promise<Environment[]> {
    const rows = await paginate((cursor, limit) =>
      this.http.request({
        method: "GET",
        path: "/environments",
        query: { projectId: [projectId], cursor, limit },
        schema: z.array(z.looseObject({ cursor: z.string(), environment: environmentSchema })),
      }),
    );
    return rows.map((r) => r.environment);
  }

  /** Moves resources into an environment. Adding what is already there changes nothing, so it is safe to repeat. */
  addToEnvironment(environmentId: string, resourceIds: string[]): Promise<Environment> {
    return this.http.request({
      method: "POST",
      path: apiPath`/environments/${environmentId}/resources`,
      body: { resourceIds },
      schema: environmentSchema,
      idempotent: true,
    });
  }

  removeFromEnvironment(environmentId: string, resourceIds: string[]): Promise<void> {
    return this.http.request({ method: "DELETE", path: apiPath`/environments/${environmentId}/resources`, query: { resourceIds } });
  }

  metrics(name: MetricName, q: MetricsQuery): Promise<MetricSeries[]> {
    return this.http.request({ method: "GET", path: `/metrics/${name}`, query: { ...q }, schema: z.array(metricSeriesSchema) });
  }

  getNotificationOverride(serviceId: string): Promise<NotificationOverride> {
    return this.http.request({ method: "GET", path: apiPath`/notification-settings/overrides/services/${serviceId}`, schema: notificationOverrideSchema });
  }

  setNotificationOverride(
    serviceId: string,
    body: Partial<Pick<NotificationOverride, "notificationsToSend" | "previewNotificationsEnabled">>,
  ): Promise<NotificationOverride> {
    return this.http.request({
      method: "PATCH",
      path: apiPath`/notification-settings/overrides/services/${serviceId}`,
      body,
      schema: notificationOverrideSchema,
      idempotent: true,
    });
  }
}
