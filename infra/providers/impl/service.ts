import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { RENDER_REGIONS, SERVICE_PLANS } from "../../config/render-enums";
import { RenderClient } from "../../render/client";
import { isNotFound } from "../../render/errors";
import { Autoscaling, runtimeSchema, Service } from "../../render/schemas/service";
import { createOrAdopt } from "../adopt";
import { buildFilterProblems, listRepoFiles } from "../build-filter";
import { checkWith } from "../check";
import { assertAdoptable, configureProvider, isProductionOwner, providerClient } from "../context";
import { cronScheduleProblem } from "../cron-schedule";
import { changedFields, diffBySpec, DiffSpec, preferOld } from "../diff";
import { bodyFrom, BodyParts, resourceFields } from "../fields";
import { gone, readResult } from "../read-result";
import { canonicalImage } from "../image-ref";

/** Service kinds this provider manages. */
const SERVICE_TYPES = ["web_service", "private_service", "background_worker", "static_site", "cron_job"] as const;
/** Instance types a cron job may use (Render's `paidPlan` in cronJobDetailsPOST/PATCH: no `*_plus` below pro). */
const CRON_JOB_PLANS = ["starter", "standard", "pro", "pro_plus", "pro_max", "pro_ultra"];
/** Fields a cron job cannot have on Render (no instances kept running, no deploy-time hooks, no shutdown delay). */
const NOT_FOR_CRON_JOBS = {
  numInstances: "a cron job runs one instance per run: remove numInstances",
  autoscaling: "a cron job runs one instance per run and cannot autoscale: remove autoscaling",
  preDeployCommand: "a cron job has no pre-deploy command: remove preDeployCommand (put the step at the start of startCommand)",
  maxShutdownDelaySeconds: "a cron job has no shutdown delay (each run exits by itself): remove maxShutdownDelaySeconds",
} as const;
const NATIVE_RUNTIMES = ["elixir", "go", "node", "python", "ruby", "rust"];

const autoscalingInput = z
  .object({
    enabled: z.boolean().default(true),
    min: z.number().int().min(1, "autoscaling.min must be at least 1"),
    max: z.number().int().min(1, "autoscaling.max must be at least 1"),
    cpuPercent: z.number().int().min(1).max(100).optional(),
    memoryPercent: z.number().int().min(1).max(100).optional(),
  })
  .strict();

/**
 * Checked inputs of a Service (defaults applied): the one list of a Service's input fields. The program-side
 * `ServiceArgs`, the diff, the PATCH body and the output keys are derived from it ({@link serviceFields}).
 */
export const serviceInputsSchema = z
  .object({
    /** Render service name (renaming is an in-place update). */
    name: z.string().trim().min(1, "name is required").max(100),
    /** Workspace id `tea-…` (replacement). */
    ownerId: z.string().regex(/^(tea|usr)-[a-z0-9]+$/, "ownerId must be a workspace id like tea-…"),
    /** `web_service`, `private_service`, `background_worker`, `static_site` or `cron_job` (replacement). */
    type: z.enum(SERVICE_TYPES),
    /** Region (replacement); default `oregon`. Not for static sites. */
    region: z.enum(RENDER_REGIONS).optional(),
    /** Instance type; default `starter`. Not for static sites; cron jobs: starter, standard, pro, pro_plus, pro_max, pro_ultra. */
    plan: z.enum(SERVICE_PLANS).optional(),
    /**
     * Not for static sites or cron jobs. Instance count (≥ 1); ignored while autoscaling is enabled. Default:
     * autoscaling.min, else 2 for a web service in the production workspace, else 1.
     */
    numInstances: z.number().int().min(1, "numInstances must be at least 1 (use suspended: true to stop a service)").optional(),
    /** Not for static sites or cron jobs. Autoscaling between min and max on CPU and/or memory targets (percent). */
    autoscaling: autoscalingInput.optional(),
    /** `image` for image-backed services (implied by `image`), or the native/docker runtime of a repo (replacement). */
    runtime: runtimeSchema.optional(),
    /** Container image, e.g. `docker.io/org/app:1.2.3`. Exactly one of image or repo. */
    image: z.string().min(1).optional(),
    /** Git repository URL. Exactly one of image or repo. */
    repo: z.string().url("repo must be a git URL such as https://github.com/org/repo").optional(),
    /** Git branch (default `main` when repo is set). */
    branch: z.string().min(1).optional(),
    rootDir: z.string().optional(),
    /** Build command (native runtimes and static sites); Render's default when unset, never diffed then. */
    buildCommand: z.string().optional(),
    /** Start command (native runtimes) or docker command (image/docker; empty: the image's own command). A cron job runs it on each run. */
    startCommand: z.string().optional(),
    /** Not for static sites or cron jobs. */
    preDeployCommand: z.string().optional(),
    /** Web services only; must start with `/`. */
    healthCheckPath: z.string().regex(/^\//, "healthCheckPath must start with '/'").optional(),
    /** Static sites only. */
    publishPath: z.string().optional(),
    buildFilter: z
      .object({ paths: z.array(z.string()).default([]), ignoredPaths: z.array(z.string()).default([]) })
      .strict()
      .optional(),
    /**
     * A local checkout of `repo` (path, relative to the project or absolute): `check` rejects a build filter glob that
     * matches no file there. Never sent to Render.
     */
    repoCheckout: z.string().min(1).optional(),
    /** 1–300 s; Render's default (30) when unset. Not for static sites or cron jobs. */
    maxShutdownDelaySeconds: z.number().int().min(1).max(300).optional(),
    /** Deploy on every push. Default: off in the production workspace, on elsewhere. */
    autoDeploy: z.boolean().optional(),
    /** Render environment `evm-…` (moved in place). */
    environmentId: z
      .string()
      .regex(/^evm-[a-z0-9]+$/, "environmentId must be an environment id like evm-…")
      .optional(),
    /** Suspend (true) or resume (false). Default false. */
    suspended: z.boolean().default(false),
    /** Cron jobs only (required there; in place): five-field cron expression in UTC, e.g. `0 3 * * *`. */
    schedule: z.string().optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const bad = (path: string, message: string): void => ctx.addIssue({ code: "custom", path: [path], message });
    if (!!v.image === !!v.repo) bad(v.image ? "repo" : "image", "set exactly one of image (a container image) or repo (a git repository)");
    if (v.image && v.runtime && v.runtime !== "image") bad("runtime", `an image-backed service has runtime "image"; remove runtime or set it to "image"`);
    if (v.repo && !v.runtime && v.type !== "static_site")
      bad("runtime", "a repo-backed service needs runtime (docker, node, python, go, ruby, rust or elixir)");
    if (v.autoscaling && v.autoscaling.min > v.autoscaling.max)
      bad("autoscaling", `autoscaling.min (${v.autoscaling.min}) is greater than autoscaling.max (${v.autoscaling.max}); make min ≤ max`);
    // Render's scaling docs: autoscaling is available only for team accounts.
    if (v.autoscaling && v.ownerId.startsWith("usr-"))
      bad(
        "autoscaling",
        "autoscaling is available only in team workspaces (tea-…), not in a personal account (usr-…); use numInstances or move the service to a team workspace",
      );
    if (v.type === "static_site") {
      for (const f of [
        "plan",
        "region",
        "numInstances",
        "autoscaling",
        "healthCheckPath",
        "startCommand",
        "preDeployCommand",
        "maxShutdownDelaySeconds",
        "image",
      ] as const) {
        if (v[f] !== undefined) bad(f, `a static site has no ${f}; remove it`);
      }
    } else {
      if (v.publishPath !== undefined) bad("publishPath", "publishPath applies to static sites only; remove it");
      if (v.runtime && NATIVE_RUNTIMES.includes(v.runtime) && !v.startCommand) bad("startCommand", `runtime ${v.runtime} needs a startCommand`);
    }
    if (v.type === "cron_job") {
      if (v.schedule === undefined) bad("schedule", `a cron job needs a schedule: set schedule to a five-field cron expression in UTC, e.g. "0 3 * * *"`);
      else {
        const problem = cronScheduleProblem(v.schedule);
        if (problem) bad("schedule", problem);
      }
      for (const [f, message] of Object.entries(NOT_FOR_CRON_JOBS)) if (v[f as keyof typeof NOT_FOR_CRON_JOBS] !== undefined) bad(f, message);
      if (v.plan !== undefined && !CRON_JOB_PLANS.includes(v.plan))
        bad("plan", `a cron job cannot use plan ${v.plan}; use one of ${CRON_JOB_PLANS.join(", ")}`);
      if (v.healthCheckPath !== undefined) bad("healthCheckPath", "a cron job has no health check (each run exits by itself): remove healthCheckPath");
    } else if (v.schedule !== undefined) {
      bad("schedule", `schedule applies to cron jobs only: remove it, or set type to "cron_job"`);
    }
    if (v.healthCheckPath !== undefined && v.type !== "web_service" && v.type !== "cron_job")
      bad("healthCheckPath", "only web services have a health check path; remove it");
    if (v.repoCheckout !== undefined && !v.repo) bad("repoCheckout", "repoCheckout is a local checkout of repo: set repo or remove it");
    if (v.buildFilter && v.repoCheckout && v.repo) {
      let files: string[] | undefined;
      try {
        files = listRepoFiles(v.repoCheckout);
      } catch (e) {
        bad("repoCheckout", `cannot list the files of ${v.repoCheckout} (${(e as Error).message}): point it at a checkout of ${v.repo} or remove it`);
      }
      if (files) for (const p of buildFilterProblems(v.buildFilter, files, v.repoCheckout)) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    }
  })
  .transform((v) => {
    const isStatic = v.type === "static_site";
    const isCron = v.type === "cron_job";
    return {
      ...v,
      runtime: isStatic ? undefined : v.image ? ("image" as const) : v.runtime,
      region: isStatic ? undefined : (v.region ?? ("oregon" as const)),
      plan: isStatic ? undefined : (v.plan ?? ("starter" as const)),
      // A production web service left without a count gets two: one restart must not be an outage (infra/config/defaults.ts).
      numInstances:
        isStatic || isCron ? undefined : (v.numInstances ?? v.autoscaling?.min ?? (v.type === "web_service" && isProductionOwner(v.ownerId) ? 2 : 1)),
      branch: v.repo ? (v.branch ?? "main") : undefined,
      // Production never deploys on a git push: promotion does (docs/design.md).
      autoDeploy: v.autoDeploy ?? !isProductionOwner(v.ownerId),
    };
  });

/** Checked inputs. */
type ServiceInputs = z.infer<typeof serviceInputsSchema>;

/** What Render computes for a Service (outputs besides the inputs). */
const serviceComputedSchema = z.object({
  /** Render's id, `srv-…` (`crn-…` for a cron job; same as `id`). */
  serviceId: z.string(),
  slug: z.string(),
  /** Public URL (web, static) or `<slug>:10000` (private). */
  url: z.string().optional(),
  dashboardUrl: z.string().optional(),
  /** The deploy Render started on creation. */
  deployId: z.string().optional(),
});

/**
 * How each field changes, per Render's API (openapi `servicePATCH` and the per-type `…DetailsPATCH`): the PATCH
 * takes name, image/repo/branch/rootDir, buildFilter, autoDeploy and, under serviceDetails, plan, the commands,
 * healthCheckPath, publishPath, maxShutdownDelaySeconds and schedule. Instances, autoscaling, suspension and the
 * environment have endpoints of their own. Type, owner and region are fixed; runtime is kept a replacement (a
 * service moving between image and a repo runtime is a different service to us, though the PATCH takes it).
 */
export const serviceFields = resourceFields(
  serviceInputsSchema,
  {
    name: "update",
    ownerId: "replace",
    type: "replace",
    region: "replace",
    plan: "update",
    numInstances: "action",
    autoscaling: "action",
    runtime: "replace",
    image: "update",
    repo: "update",
    branch: "update",
    rootDir: "update",
    buildCommand: "update",
    startCommand: "update",
    preDeployCommand: "update",
    healthCheckPath: "update",
    publishPath: "update",
    buildFilter: "update",
    repoCheckout: "local",
    maxShutdownDelaySeconds: "update",
    autoDeploy: "update",
    environmentId: "action",
    suspended: "action",
    schedule: "update",
  },
  serviceComputedSchema,
  {
    // Render fills these with its own defaults when unset.
    onlyWhenSet: ["maxShutdownDelaySeconds", "buildCommand", "environmentId"],
    normalize: (field, value, whole) => {
      if (field === "image") return canonicalImage(value as string | undefined);
      // With autoscaling on, Render's numInstances is not the running count: it must not drive a diff.
      if (field === "numInstances" && whole.autoscaling?.enabled) return undefined;
      if (field === "autoscaling" && value) return { ...(value as object), enabled: (value as { enabled?: boolean }).enabled ?? true };
      if (field === "buildFilter" && value) {
        const bf = value as { paths?: string[]; ignoredPaths?: string[] };
        return (bf.paths?.length ?? 0) + (bf.ignoredPaths?.length ?? 0) === 0 ? undefined : value;
      }
      return value;
    },
  },
);

/** Outputs: the inputs plus what Render computed. */
export type ServiceOutputs = ServiceInputs & z.output<typeof serviceComputedSchema>;

/** In place vs replacement (derived from {@link serviceFields}). */
const serviceDiffSpec: DiffSpec<ServiceInputs> = serviceFields.diffSpec;

const isNative = (runtime: string | undefined): boolean => !!runtime && NATIVE_RUNTIMES.includes(runtime);

function toRenderAutoscaling(a: NonNullable<ServiceInputs["autoscaling"]>): Autoscaling {
  return {
    enabled: a.enabled,
    min: a.min,
    max: a.max,
    criteria: {
      cpu: { enabled: a.cpuPercent !== undefined, percentage: a.cpuPercent ?? 70 },
      memory: { enabled: a.memoryPercent !== undefined, percentage: a.memoryPercent ?? 70 },
    },
  };
}

function envSpecificDetails(i: ServiceInputs): Record<string, string> | undefined {
  if (i.type === "static_site") return undefined;
  return isNative(i.runtime) ? { buildCommand: i.buildCommand ?? "", startCommand: i.startCommand ?? "" } : { dockerCommand: i.startCommand ?? "" };
}

/** `POST /services` body. */
function createBody(i: ServiceInputs): Record<string, unknown> & { type: ServiceInputs["type"]; name: string; ownerId: string } {
  const details: Record<string, unknown> =
    i.type === "static_site"
      ? { buildCommand: i.buildCommand ?? "", publishPath: i.publishPath ?? "public" }
      : i.type === "cron_job"
        ? { runtime: i.runtime, plan: i.plan, region: i.region, schedule: i.schedule, envSpecificDetails: envSpecificDetails(i) }
        : {
            runtime: i.runtime,
            plan: i.plan,
            region: i.region,
            numInstances: i.numInstances,
            envSpecificDetails: envSpecificDetails(i),
            ...(i.autoscaling ? { autoscaling: toRenderAutoscaling(i.autoscaling) } : {}),
            ...(i.type === "web_service" ? { healthCheckPath: i.healthCheckPath ?? "" } : {}),
            ...(i.preDeployCommand ? { preDeployCommand: i.preDeployCommand } : {}),
            ...(i.maxShutdownDelaySeconds !== undefined ? { maxShutdownDelaySeconds: i.maxShutdownDelaySeconds } : {}),
          };
  return {
    type: i.type,
    name: i.name,
    ownerId: i.ownerId,
    autoDeploy: i.autoDeploy ? "yes" : "no",
    ...(i.image ? { image: { ownerId: i.ownerId, imagePath: i.image } } : {}),
    ...(i.repo ? { repo: i.repo, branch: i.branch } : {}),
    ...(i.rootDir !== undefined ? { rootDir: i.rootDir } : {}),
    ...(i.buildFilter ? { buildFilter: i.buildFilter } : {}),
    ...(i.environmentId ? { environmentId: i.environmentId } : {}),
    serviceDetails: details,
  };
}

/** A fragment of `serviceDetails` (and of its `envSpecificDetails`). */
const details = (d: Record<string, unknown>): Record<string, unknown> => ({ serviceDetails: d });
const envDetails = (d: Record<string, unknown>): Record<string, unknown> => details({ envSpecificDetails: d });
const isStatic = (i: ServiceInputs): boolean => i.type === "static_site";

/**
 * The `PATCH /services/{id}` body, one part per field the PATCH sends ({@link serviceFields}`.update`: the compiler
 * refuses a part missing), as absolute values. Render's cronJobDetailsPATCH has plan, schedule and
 * envSpecificDetails only (no pre-deploy command or shutdown delay); static sites have buildCommand and publishPath.
 */
const SERVICE_PATCH: BodyParts<ServiceInputs, (typeof serviceFields.update)[number]> = {
  name: (i) => ({ name: i.name }),
  autoDeploy: (i) => ({ autoDeploy: i.autoDeploy ? "yes" : "no" }),
  image: (i) => (i.image ? { image: { ownerId: i.ownerId, imagePath: i.image } } : {}),
  repo: (i) => (i.repo ? { repo: i.repo } : {}),
  branch: (i) => (i.repo ? { branch: i.branch } : {}),
  // A repo's root dir and build filter removed from the program are cleared on Render ("" is the repo's root, empty
  // lists no filter): left out of the PATCH, the live value would stay and the diff would never clear.
  rootDir: (i) => (i.repo || i.rootDir !== undefined ? { rootDir: i.rootDir ?? "" } : {}),
  buildFilter: (i) => (i.repo || i.buildFilter ? { buildFilter: i.buildFilter ?? { paths: [], ignoredPaths: [] } } : {}),
  plan: (i) => (isStatic(i) ? {} : details({ plan: i.plan })),
  buildCommand: (i) =>
    isStatic(i) ? details({ buildCommand: i.buildCommand ?? "" }) : isNative(i.runtime) ? envDetails({ buildCommand: i.buildCommand ?? "" }) : {},
  startCommand: (i) =>
    isStatic(i) ? {} : isNative(i.runtime) ? envDetails({ startCommand: i.startCommand ?? "" }) : envDetails({ dockerCommand: i.startCommand ?? "" }),
  preDeployCommand: (i) => (isStatic(i) || i.type === "cron_job" ? {} : details({ preDeployCommand: i.preDeployCommand ?? "" })),
  healthCheckPath: (i) => (i.type === "web_service" ? details({ healthCheckPath: i.healthCheckPath ?? "" }) : {}),
  publishPath: (i) => (isStatic(i) ? details({ publishPath: i.publishPath ?? "public" }) : {}),
  maxShutdownDelaySeconds: (i) =>
    isStatic(i) || i.type === "cron_job" || i.maxShutdownDelaySeconds === undefined ? {} : details({ maxShutdownDelaySeconds: i.maxShutdownDelaySeconds }),
  schedule: (i) => (i.type === "cron_job" ? details({ schedule: i.schedule }) : {}),
};

/** `PATCH /services/{id}` body: every field the PATCH takes, as absolute values. */
function patchBody(i: ServiceInputs): Record<string, unknown> {
  return bodyFrom(SERVICE_PATCH, i);
}

/** Maps a live service back onto the input fields (what `refresh` shows as drift). */
function inputsFromService(s: Service): ServiceInputs {
  const d = s.serviceDetails;
  const esd = d.envSpecificDetails ?? {};
  const runtime = s.type === "static_site" ? undefined : (d.runtime ?? d.env);
  const a = d.autoscaling;
  const bf = s.buildFilter;
  return {
    name: s.name,
    ownerId: s.ownerId,
    type: s.type as ServiceInputs["type"],
    region: s.type === "static_site" ? undefined : (d.region as ServiceInputs["region"]),
    plan: s.type === "static_site" ? undefined : (d.plan as ServiceInputs["plan"]),
    numInstances: s.type === "static_site" ? undefined : d.numInstances,
    autoscaling: a
      ? {
          enabled: a.enabled,
          min: a.min,
          max: a.max,
          cpuPercent: a.criteria.cpu.enabled ? a.criteria.cpu.percentage : undefined,
          memoryPercent: a.criteria.memory.enabled ? a.criteria.memory.percentage : undefined,
        }
      : undefined,
    runtime: runtime as ServiceInputs["runtime"],
    image: s.imagePath || undefined,
    repo: s.repo || undefined,
    branch: s.repo ? s.branch : undefined,
    rootDir: s.rootDir || undefined,
    buildCommand: (s.type === "static_site" ? d.buildCommand : esd.buildCommand) || undefined,
    startCommand: (isNative(runtime) ? esd.startCommand : esd.dockerCommand) || undefined,
    preDeployCommand: (d.preDeployCommand ?? esd.preDeployCommand) || undefined,
    healthCheckPath: s.type === "web_service" ? d.healthCheckPath || undefined : undefined,
    publishPath: s.type === "static_site" ? d.publishPath : undefined,
    buildFilter:
      bf && ((bf.paths?.length ?? 0) > 0 || (bf.ignoredPaths?.length ?? 0) > 0) ? { paths: bf.paths ?? [], ignoredPaths: bf.ignoredPaths ?? [] } : undefined,
    maxShutdownDelaySeconds: d.maxShutdownDelaySeconds,
    autoDeploy: s.autoDeploy === "yes",
    environmentId: s.environmentId || undefined,
    suspended: s.suspended === "suspended",
    schedule: s.type === "cron_job" ? d.schedule || undefined : undefined,
  };
}

function outputs(inputs: ServiceInputs, s: Service, deployId?: string): ServiceOutputs {
  return stripUndefined({
    ...inputs,
    serviceId: s.id,
    slug: s.slug,
    url: s.serviceDetails.url,
    dashboardUrl: s.dashboardUrl,
    ...(deployId ? { deployId } : {}),
  });
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Whether an existing service is the one we meant to create (same identity and immutable fields). */
function matchesIdentity(s: Service, i: ServiceInputs): boolean {
  const live = inputsFromService(s);
  return (
    s.name === i.name && s.ownerId === i.ownerId && s.type === i.type && live.region === i.region && (i.type === "static_site" || live.runtime === i.runtime)
  );
}

/**
 * Fields sent by the one service PATCH: derived from the field table, so that a new updatable field is patched (a
 * field that diffs but is never sent would show the same change after every update).
 */
const PATCH_FIELDS: ReadonlyArray<keyof ServiceInputs> = serviceFields.update;

/**
 * Brings a live service to the desired inputs with the fewest calls: one PATCH for all in-place fields (only if any
 * changed), autoscaling PUT/DELETE, scale, suspend/resume, environment moves. Returns the latest service seen.
 */
async function converge(render: RenderClient, id: string, live: ServiceInputs, want: ServiceInputs, lastSeen?: Service): Promise<Service | undefined> {
  const changed = changedFields(serviceDiffSpec, live, want);
  let latest = lastSeen;
  if (changed.some((f) => PATCH_FIELDS.includes(f))) latest = await render.services.update(id, patchBody(want));
  if (changed.includes("autoscaling")) {
    if (want.autoscaling) await render.services.setAutoscaling(id, toRenderAutoscaling(want.autoscaling));
    else await render.services.deleteAutoscaling(id);
    latest = undefined;
  }
  if (changed.includes("numInstances") && !want.autoscaling?.enabled && want.numInstances !== undefined) {
    await render.services.scale(id, want.numInstances);
    latest = undefined;
  }
  if (changed.includes("environmentId")) {
    if (live.environmentId) await render.workspace.removeFromEnvironment(live.environmentId, [id]);
    if (want.environmentId) await render.workspace.addToEnvironment(want.environmentId, [id]);
    latest = undefined;
  }
  if (changed.includes("suspended")) {
    if (want.suspended) await render.services.suspend(id);
    else await render.services.resume(id);
    latest = undefined;
  }
  return latest;
}

/** The dynamic provider for `render:Service`, typed with its checked inputs and its outputs. */
const serviceProvider = {
  configure: configureProvider,

  async check(_olds: unknown, news: Record<string, unknown>) {
    return checkWith("Service", serviceInputsSchema, news);
  },

  async diff(_id: string, olds: ServiceOutputs, news: ServiceInputs) {
    return diffBySpec(serviceDiffSpec, olds, news);
  },

  async create(news: ServiceInputs) {
    const render = providerClient();
    const { resource, adopted } = await createOrAdopt<{ service: Service; deployId?: string }>({
      find: async () => {
        const found = (await render.services.list({ name: [news.name], ownerId: [news.ownerId], type: [news.type] })).find((s) => matchesIdentity(s, news));
        return found ? { service: found } : undefined;
      },
      create: () => render.services.create(createBody(news)),
    });
    let svc = resource.service;
    if (adopted) {
      await assertAdoptable(render, svc.id, "services");
      const latest = await converge(render, svc.id, inputsFromService(svc), news, svc);
      svc = latest ?? svc;
    } else if (news.suspended) {
      await render.services.suspend(svc.id);
    }
    return { id: svc.id, outs: outputs(news, svc, resource.deployId) };
  },

  async read(id: string, props?: ServiceOutputs) {
    const render = providerClient();
    try {
      const svc = await render.services.get(id);
      const live = preferOld(serviceDiffSpec, props, inputsFromService(svc));
      return readResult(id, outputs(live, svc, props?.deployId), stripUndefined(live));
    } catch (e) {
      if (isNotFound(e)) return gone<ServiceOutputs>();
      throw e;
    }
  },

  async update(id: string, olds: ServiceOutputs, news: ServiceInputs) {
    const render = providerClient();
    const latest = await converge(render, id, olds, news);
    if (latest) return { outs: outputs(news, latest, olds.deployId) };
    // Outputs are rebuilt from the new inputs (never spread from olds: a removed input must not linger in state).
    const computed = { serviceId: id, slug: olds.slug, url: olds.url, dashboardUrl: olds.dashboardUrl, deployId: olds.deployId };
    return { outs: stripUndefined({ ...news, ...computed }) as ServiceOutputs };
  },

  async delete(id: string) {
    const render = providerClient();
    try {
      await render.services.delete(id);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  },
} satisfies pulumi.dynamic.ResourceProvider<ServiceInputs, ServiceOutputs>;

/** The same provider as the loader (`lazyProvider`) and the engine see it: property bags. */
export const provider: pulumi.dynamic.ResourceProvider = serviceProvider;
