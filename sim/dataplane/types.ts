/**
 * The contract between the simulator's control plane (Render's REST API, `sim/api`, `sim/store`) and its data
 * plane (`sim/dataplane`): the processes and loopback servers that answer like the deployed apps would.
 *
 * The control plane owns Render's objects and their life cycles; it tells the data plane what should run by calling
 * `apply` whenever a service's live deploy, instance count, suspension or custom domains change (env vars and secret
 * files are the live deploy's, captured when it started: env writes reach instances with the next deploy, as on
 * Render), and `remove` when a service is deleted. The data plane owns ports, processes, traffic counters and faults.
 */

/** Render service types, as in the API's `type` field. */
export type ServiceType = "web_service" | "private_service" | "background_worker" | "static_site" | "cron_job";

/** What should be running for one service right now (its live deploy). */
export interface ServiceRuntimeSpec {
  /** Render id, e.g. `srv-…`. */
  id: string;
  name: string;
  slug: string;
  type: ServiceType;
  /** The live deploy's id; a change means "roll to a new version" (zero-downtime, like Render). */
  deployId: string;
  /** Docker image ref of the live deploy, when image-backed. `stackguard/<app>:<tag>` runs `apps/<app>`. */
  image?: string;
  /** Git commit id of the live deploy, when repo-backed. */
  commit?: string;
  /** Effective env: the service's own env vars merged over its linked env groups'. Secret; never log values. */
  env: Record<string, string>;
  /** Secret files (name → content), written under a per-service directory exposed as `RENDER_SECRETS_DIR`-like. */
  secretFiles: Record<string, string>;
  /** `""` when unset. */
  healthCheckPath: string;
  numInstances: number;
  suspended: boolean;
  /** Custom domain names owned by this service; the data plane routes them by Host header. */
  customDomains: string[];
  startCommand?: string;
}

/** One point of a metrics series, as Render's metrics API returns them. */
export interface MetricPoint {
  timestamp: string;
  value: number;
}

/** Query for `DataPlane.metrics`. */
export interface MetricsQuery {
  startTime: Date;
  endTime: Date;
  resolutionSeconds: number;
  /** `http-latency` only: the quantile in (0, 1) (Render's `quantile` query parameter). Default 0.95. */
  quantile?: number;
  /**
   * How the series of several instances combine into one for `cpu` and `memory` (Render's `aggregationMethod`).
   * Default `AVG`.
   */
  aggregationMethod?: "AVG" | "MAX" | "MIN";
  /** `http-requests` only: count only responses with one of these status codes. */
  statusCodes?: number[];
  /** `http-requests` only: one series per status code (Render's `aggregateBy=statusCode`), via `metricSeries`. */
  aggregateBy?: "statusCode";
}

/** One labelled series, as an element of Render's metrics response array. */
export interface MetricSeries {
  labels: Array<{ field: string; value: string }>;
  values: MetricPoint[];
}

/** Metrics the data plane computes from real traffic and process usage. */
export type MetricName = "http-requests" | "http-latency" | "cpu" | "memory" | "instance-count" | "bandwidth";

/** Faults the `/__sim/` API can inject into a service (documented in `sim/README.md`). */
export interface ServiceFaults {
  /** `false` makes the health path answer 503. */
  healthy?: boolean;
  /** Added latency per request, in milliseconds. */
  latencyMs?: number;
  /** Fraction in [0, 1] of non-health requests answered 500. */
  errorRate?: number;
  /** When true, the service's next deploy fails (consumed by the control plane). */
  failNextDeploy?: boolean;
}

/** The data plane, as the control plane sees it. */
export interface DataPlaneApi {
  /** Ensures `spec` is what is served; idempotent. Resolves once the new version answers (or failed to start). */
  apply(spec: ServiceRuntimeSpec): Promise<{ url?: string; started: boolean; reason?: string }>;
  /** Stops serving a deleted service and frees its port. Unknown ids are fine. */
  remove(serviceId: string): Promise<void>;
  /** The loopback base URL of a web or private service, once assigned (stable across restarts). */
  url(serviceId: string): string | undefined;
  /**
   * Assigns (once) and returns the loopback URL a web or private service will answer on, before its first deploy:
   * on Render a service's URL is fixed when it is created, so clients and config may depend on it right away.
   */
  reserveUrl?(serviceId: string): string;
  /** Computed series for Render's metrics endpoints. */
  metrics(serviceId: string, name: MetricName, query: MetricsQuery): MetricPoint[];
  getFaults(serviceId: string): ServiceFaults;
  setFaults(serviceId: string, faults: ServiceFaults): void;
  /** Stops every server and child process. */
  stop(): Promise<void>;
  /**
   * Labelled series for Render's metrics endpoints; splits `http-requests` by status code when
   * `query.aggregateBy === "statusCode"`. Optional: callers fall back to `metrics`.
   */
  metricSeries?(serviceId: string, name: MetricName, query: MetricsQuery): MetricSeries[];
  /** Base URL of the shared front that routes custom domains (and `<slug>.onrender.com`) by Host header. */
  routerUrl?(): string | undefined;
}
