import * as pulumi from "@pulumi/pulumi";
import type { AdoptArgs } from "./adopt";
import { lazyProvider } from "./dynamic";
import { withOutputKeys } from "./output-keys";

/** Inputs of a {@link Service}. See `impl/service.ts` for validation and which fields force a replacement. */
export interface ServiceArgs extends AdoptArgs {
  /** Render service name (renaming is an in-place update). */
  name: pulumi.Input<string>;
  /** Workspace id `tea-…` (replacement). */
  ownerId: pulumi.Input<string>;
  /** `web_service`, `private_service`, `background_worker`, `static_site` or `cron_job` (replacement). */
  type: pulumi.Input<"web_service" | "private_service" | "background_worker" | "static_site" | "cron_job">;
  /** Region (replacement); default `oregon`. Not for static sites. */
  region?: pulumi.Input<string>;
  /** Instance type; default `starter`. Not for static sites; cron jobs: starter, standard, pro, pro_plus, pro_max, pro_ultra. */
  plan?: pulumi.Input<string>;
  /** Not for static sites or cron jobs. Instance count (≥ 1); ignored while autoscaling is enabled. Default: autoscaling.min, else 2 for a web service in the production workspace, else 1. */
  numInstances?: pulumi.Input<number>;
  /** Not for static sites or cron jobs. Autoscaling between min and max on CPU and/or memory targets (percent). */
  autoscaling?: pulumi.Input<{ enabled?: boolean; min: number; max: number; cpuPercent?: number; memoryPercent?: number }>;
  /** `image` for image-backed services (implied by `image`), or the native/docker runtime of a repo (replacement). */
  runtime?: pulumi.Input<string>;
  /** Container image, e.g. `docker.io/org/app:1.2.3`. Exactly one of image or repo. */
  image?: pulumi.Input<string>;
  repo?: pulumi.Input<string>;
  /** Git branch (default `main` when repo is set). */
  branch?: pulumi.Input<string>;
  rootDir?: pulumi.Input<string>;
  buildCommand?: pulumi.Input<string>;
  /** Start command (native runtimes) or docker command (image/docker; empty: the image's own command). A cron job runs it on each run. */
  startCommand?: pulumi.Input<string>;
  /** Not for static sites or cron jobs. */
  preDeployCommand?: pulumi.Input<string>;
  /** Web services only; must start with `/`. */
  healthCheckPath?: pulumi.Input<string>;
  /** Static sites only. */
  publishPath?: pulumi.Input<string>;
  buildFilter?: pulumi.Input<{ paths?: string[]; ignoredPaths?: string[] }>;
  /** A local checkout of `repo` (path, relative to the project or absolute): `check` rejects a build filter glob that matches no file there. Never sent to Render. */
  repoCheckout?: pulumi.Input<string>;
  /** 1–300 s; Render's default (30) when unset. Not for static sites or cron jobs. */
  maxShutdownDelaySeconds?: pulumi.Input<number>;
  /** Deploy on every push. Default: off in the production workspace, on elsewhere. */
  autoDeploy?: pulumi.Input<boolean>;
  /** Render environment `evm-…` (moved in place). */
  environmentId?: pulumi.Input<string>;
  /** Suspend (true) or resume (false). Default false. */
  suspended?: pulumi.Input<boolean>;
  /** Cron jobs only (required there; in place): five-field cron expression in UTC, e.g. `0 3 * * *`. */
  schedule?: pulumi.Input<string>;
}

/** Every output key (see `output-keys.ts`: needed for resources read with `get`). */
const SERVICE_OUTPUTS = [
  "serviceId", "slug", "url", "dashboardUrl", "deployId", "name", "ownerId", "type", "region", "plan", "numInstances", "autoscaling", "runtime",
  "image", "repo", "branch", "healthCheckPath", "environmentId", "suspended", "autoDeploy", "schedule",
];

/** A Render web service, private service, background worker, static site or cron job (`render:Service`). */
export class Service extends pulumi.dynamic.Resource {
  /** Render's id, `srv-…` (`crn-…` for a cron job; same as `id`). */
  declare readonly serviceId: pulumi.Output<string>;
  declare readonly slug: pulumi.Output<string>;
  /** Public URL (web, static) or `<slug>:10000` (private). */
  declare readonly url: pulumi.Output<string | undefined>;
  declare readonly dashboardUrl: pulumi.Output<string | undefined>;
  /** The deploy Render started on creation. */
  declare readonly deployId: pulumi.Output<string | undefined>;
  declare readonly name: pulumi.Output<string>;
  declare readonly numInstances: pulumi.Output<number | undefined>;
  declare readonly suspended: pulumi.Output<boolean>;
  declare readonly ownerId: pulumi.Output<string>;
  declare readonly type: pulumi.Output<string>;
  declare readonly region: pulumi.Output<string | undefined>;
  declare readonly plan: pulumi.Output<string | undefined>;
  declare readonly image: pulumi.Output<string | undefined>;
  declare readonly healthCheckPath: pulumi.Output<string | undefined>;
  declare readonly environmentId: pulumi.Output<string | undefined>;
  /** Cron jobs: the schedule (UTC). */
  declare readonly schedule: pulumi.Output<string | undefined>;

  constructor(name: string, args: ServiceArgs, opts?: pulumi.CustomResourceOptions) {
    super(lazyProvider("service"), name, withOutputKeys(SERVICE_OUTPUTS, args), opts, "render", "Service");
  }
}
