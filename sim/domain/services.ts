import type { SimApp } from "../app";
import type { ServiceRuntimeSpec, ServiceType } from "../dataplane/types";
import { notFound } from "../render/errors";
import { sortKeys } from "../render/json";
import { microStamp } from "../render/time";
import { environmentOf } from "./environments";
import { linkedGroups } from "./envgroups";
import { notifyOnFailOf } from "./notifications";

/** A service as stored: Render's fields plus the inputs its derived fields are computed from. */
export interface ServiceRec {
  id: string;
  type: ServiceType;
  name: string;
  ownerId: string;
  slug: string;
  createdAt: string;
  updatedAt: string;
  autoDeploy: "yes" | "no";
  repo?: string;
  branch?: string;
  buildFilter?: { paths: string[]; ignoredPaths: string[] };
  rootDir: string;
  imagePath?: string;
  registryCredentialId?: string;
  suspended: boolean;
  /** Type-specific details as Render shows them, without the derived keys (url, env, sshAddress…). */
  details: Record<string, any>;
  /** Present once set to a non-empty value (Render then keeps echoing it, even as ""). */
  preDeployCommand?: string;
  diskId?: string;
}

/** The short type used in dashboard URLs and env-group service links. */
export const TYPE_SHORT: Record<ServiceType, string> = {
  web_service: "web",
  private_service: "pserv",
  background_worker: "worker",
  static_site: "static",
  cron_job: "cron",
};

export function getService(app: SimApp, id: string): ServiceRec {
  const rec = app.store.get<ServiceRec>("service", id);
  if (!rec) throw notFound(id);
  return rec;
}

export function isImageBacked(rec: ServiceRec): boolean {
  return rec.imagePath !== undefined;
}

/**
 * Docker's reference normalisation, which Render applies to `image.imagePath` (`nginx` is shown as
 * `docker.io/library/nginx:latest`).
 */
export function normalizeImage(ref: string): string {
  let rest = ref.trim();
  let registry = "docker.io";
  const first = rest.split("/")[0];
  if (rest.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) {
    registry = first;
    rest = rest.slice(first.length + 1);
  } else if (!rest.includes("/")) {
    rest = `library/${rest}`;
  }
  const lastSegment = rest.split("/").pop() ?? "";
  if (!lastSegment.includes(":") && !rest.includes("@")) rest = `${rest}:latest`;
  return `${registry}/${rest}`;
}

function envSpecificDetails(rec: ServiceRec): Record<string, unknown> {
  const d = rec.details.envSpecificDetails ?? {};
  const runtime = rec.details.runtime as string | undefined;
  const base: Record<string, unknown> =
    runtime === "image" || runtime === "docker"
      ? { dockerCommand: d.dockerCommand ?? "", dockerContext: d.dockerContext ?? "", dockerfilePath: d.dockerfilePath ?? "" }
      : { buildCommand: d.buildCommand ?? "", startCommand: d.startCommand ?? "" };
  if (d.registryCredentialId) base.registryCredentialId = d.registryCredentialId;
  if (rec.preDeployCommand !== undefined) base.preDeployCommand = rec.preDeployCommand;
  return base;
}

function previewsOf(rec: ServiceRec): Record<string, unknown> {
  const generation = rec.details.previews?.generation ?? "off";
  // Render derives this from `previews.generation`, whatever the request said (cassette-notes §3).
  return { previews: { generation }, pullRequestPreviewsEnabled: generation === "automatic" ? "yes" : "no" };
}

/** Render's `serviceDetails.url`: the data plane's loopback URL when it serves the service, else Render's form. */
function urlOf(app: SimApp, rec: ServiceRec): string {
  const local = app.dataPlane.url(rec.id) ?? (rec.type !== "background_worker" && rec.type !== "cron_job" ? app.dataPlane.reserveUrl?.(rec.id) : undefined);
  if (local) return local;
  if (rec.type === "private_service") return `${rec.slug}:10000`;
  return `https://${rec.slug}.onrender.com`;
}

function diskOf(app: SimApp, rec: ServiceRec): Record<string, unknown> | undefined {
  if (!rec.diskId) return undefined;
  const disk = app.store.get<{ id: string; name: string; mountPath: string; sizeGB: number }>("disk", rec.diskId);
  return disk ? { id: disk.id, mountPath: disk.mountPath, name: disk.name, sizeGB: disk.sizeGB } : undefined;
}

function serviceDetails(app: SimApp, rec: ServiceRec): Record<string, unknown> {
  const d = rec.details;
  const ssh = `${rec.id}@ssh.${d.region ?? "oregon"}.render.com`;
  const common = { buildPlan: d.buildPlan ?? "starter" };
  switch (rec.type) {
    case "static_site":
      return {
        ...common,
        buildCommand: d.buildCommand ?? "",
        ipAllowList: d.ipAllowList,
        publishPath: d.publishPath ?? "",
        ...previewsOf(rec),
        renderSubdomainPolicy: d.renderSubdomainPolicy,
        url: urlOf(app, rec),
      };
    case "cron_job":
      return {
        ...common,
        env: d.runtime,
        envSpecificDetails: envSpecificDetails(rec),
        lastSuccessfulRunAt: d.lastSuccessfulRunAt,
        plan: d.plan ?? "starter",
        region: d.region ?? "oregon",
        runtime: d.runtime,
        schedule: d.schedule,
      };
    case "background_worker":
      return {
        ...common,
        autoscaling: d.autoscaling,
        disk: diskOf(app, rec),
        env: d.runtime,
        envSpecificDetails: envSpecificDetails(rec),
        maxShutdownDelaySeconds: d.maxShutdownDelaySeconds,
        numInstances: d.numInstances ?? 1,
        plan: d.plan ?? "starter",
        ...previewsOf(rec),
        region: d.region ?? "oregon",
        runtime: d.runtime,
        sshAddress: ssh,
      };
    case "private_service":
    case "web_service": {
      const out: Record<string, unknown> = {
        ...common,
        autoscaling: d.autoscaling,
        disk: diskOf(app, rec),
        env: d.runtime,
        envSpecificDetails: envSpecificDetails(rec),
        ipAllowList: d.ipAllowList,
        maxShutdownDelaySeconds: d.maxShutdownDelaySeconds,
        numInstances: d.numInstances ?? 1,
        openPorts: [{ port: 10000, protocol: "TCP" }],
        plan: d.plan ?? "starter",
        ...previewsOf(rec),
        region: d.region ?? "oregon",
        runtime: d.runtime,
        sshAddress: ssh,
        url: urlOf(app, rec),
      };
      if (rec.type === "web_service") {
        out.healthCheckPath = d.healthCheckPath ?? "";
        out.maintenanceMode = d.maintenanceMode ?? { enabled: false, uri: "" };
        out.renderSubdomainPolicy = d.renderSubdomainPolicy;
      }
      return out;
    }
  }
}

/** The service as Render's API shows it (keys sorted, timestamps in microseconds). */
export function renderService(app: SimApp, rec: ServiceRec): Record<string, unknown> {
  return sortKeys({
    autoDeploy: rec.autoDeploy,
    autoDeployTrigger: rec.autoDeploy === "yes" ? "commit" : "off",
    branch: rec.branch,
    buildFilter: rec.buildFilter,
    createdAt: microStamp(rec.createdAt),
    dashboardUrl: `https://dashboard.render.com/${TYPE_SHORT[rec.type]}/${rec.id}`,
    environmentId: environmentOf(app, rec.id),
    id: rec.id,
    imagePath: rec.imagePath,
    name: rec.name,
    notifyOnFail: notifyOnFailOf(app, rec.id),
    ownerId: rec.ownerId,
    repo: rec.repo,
    rootDir: rec.rootDir,
    serviceDetails: serviceDetails(app, rec),
    slug: rec.slug,
    suspended: rec.suspended ? "suspended" : "not_suspended",
    suspenders: rec.suspended ? ["user"] : [],
    type: rec.type,
    updatedAt: microStamp(rec.updatedAt),
  });
}

/** An env var or secret file row: hidden row id (its xid feeds the cursor) and the pair. */
export interface KeyValueRow {
  key: string;
  value: string;
}

/** Effective env and secret files: linked env groups first, then the service's own values win. */
function effectiveConfig(app: SimApp, serviceId: string): { env: Record<string, string>; files: Record<string, string> } {
  const env: Record<string, string> = {};
  const files: Record<string, string> = {};
  for (const g of linkedGroups(app, serviceId)) {
    for (const row of app.store.list<KeyValueRow>("grpEnv", g)) env[row.data.key] = row.data.value;
    for (const row of app.store.list<KeyValueRow>("grpFile", g)) files[row.data.key] = row.data.value;
  }
  for (const row of app.store.list<KeyValueRow>("svcEnv", serviceId)) env[row.data.key] = row.data.value;
  for (const row of app.store.list<KeyValueRow>("svcFile", serviceId)) files[row.data.key] = row.data.value;
  return { env, files };
}

/** The env and secret files one deploy runs with (kind `deployEnv`, id = the deploy's id, encrypted at rest). */
interface DeployConfig {
  env: Record<string, string>;
  files: Record<string, string>;
}

/**
 * Captures the service's effective env and secret files for a deploy that is starting. As on Render, a deploy runs
 * with the env of the moment it started: writing env vars or secret files through the API (service or linked env
 * group, and linking or unlinking a group) stores the change and applies it on the next deploy, never to the running
 * instances (Render's users trigger that deploy; the Terraform provider's recordings show it: PUT env-vars, then
 * POST deploys).
 */
export function captureDeployConfig(app: SimApp, serviceId: string, deployId: string): void {
  app.store.put<DeployConfig>("deployEnv", deployId, effectiveConfig(app, serviceId), serviceId);
}

/** The env a deploy runs with; the current effective config for deploys that predate capturing it. */
function deployConfig(app: SimApp, serviceId: string, deployId: string): DeployConfig {
  return app.store.get<DeployConfig>("deployEnv", deployId) ?? effectiveConfig(app, serviceId);
}

/** What the data plane should run for the service's live deploy; undefined before its first deploy went live. */
export function runtimeSpec(app: SimApp, rec: ServiceRec, liveDeployId?: string): ServiceRuntimeSpec | undefined {
  const deployId =
    liveDeployId ??
    app.store
      .list<{ status: string }>("deploy", rec.id)
      .reverse()
      .find((d) => d.data.status === "live")?.id;
  if (!deployId) return undefined;
  const deploy = app.store.get<{ image?: { ref: string }; commit?: { id: string } | null }>("deploy", deployId);
  const { env, files } = deployConfig(app, rec.id, deployId);
  const domains = app.store.list<{ name: string }>("customDomain", rec.id).map((d) => d.data.name);
  return {
    id: rec.id,
    name: rec.name,
    slug: rec.slug,
    type: rec.type,
    deployId,
    image: deploy?.image?.ref,
    commit: deploy?.commit?.id,
    env,
    secretFiles: files,
    healthCheckPath: rec.type === "web_service" ? (rec.details.healthCheckPath ?? "") : "",
    numInstances: rec.details.numInstances ?? 1,
    suspended: rec.suspended,
    customDomains: domains,
    startCommand: rec.details.envSpecificDetails?.startCommand || rec.details.envSpecificDetails?.dockerCommand || undefined,
  };
}

/**
 * Queues a data-plane `apply` of the service's current spec after the request commits, when it has a live deploy
 * (instance count, suspension, custom domains; env changes wait for a deploy, see {@link captureDeployConfig}).
 * Failures are the data plane's to report.
 */
export function scheduleApply(app: SimApp, effects: Array<() => unknown>, serviceId: string): void {
  effects.push(() => {
    const rec = app.store.get<ServiceRec>("service", serviceId);
    if (!rec) return;
    const spec = runtimeSpec(app, rec);
    if (spec) return app.dataPlane.apply(spec).catch(() => undefined);
  });
}
