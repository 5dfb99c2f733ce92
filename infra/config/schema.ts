import { z } from "zod";
import { applyStackDefaults, edgeTiming, minInstances, minShutdownDelaySeconds, needsRedundancy, PRODUCTION_MIN_INSTANCES } from "./defaults";
import { KEY_VALUE_PLANS, POSTGRES_PLANS, POSTGRES_VERSIONS, RENDER_REGIONS, SERVICE_PLANS } from "./render-enums";
import { FLAG_KEY_PATTERN, FlagDefinitionSchema } from "../flags/definition";
import { routingProblems } from "./routing";

/**
 * Render ids: `<prefix>-<20 chars>` (Render uses 0-9a-v; the seeded AlphaStack ids are readable names, so any lower-
 * case alphanumeric is accepted), Postgres with a `-a`/`-b` suffix.
 */
const renderId = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}-[0-9a-z]{20}(-[a-z])?$`), `must be a Render id like ${prefix}-xxxxxxxxxxxxxxxxxxxx`);

const hostName = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a lower-case DNS name such as api.example.com");
const healthPath = z.string().regex(/^\/[\x21-\x7e]*$/, "must be a path starting with '/' such as /healthz");
const version = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/, "must be a version tag such as 1.4.2");

/** Autoscaling as Render models it: CPU and memory targets between min and max instances. */
const AutoscalingSchema = z
  .object({
    min: z.number().int().min(1),
    max: z.number().int().min(1).max(100),
    cpuPercent: z.number().int().min(1).max(90).optional(),
    memoryPercent: z.number().int().min(1).max(90).optional(),
  })
  .strict()
  .refine((a) => a.min <= a.max, { message: "min must not be above max", path: ["min"] })
  .refine((a) => a.cpuPercent !== undefined || a.memoryPercent !== undefined, {
    message: "set cpuPercent and/or memoryPercent: autoscaling needs at least one target",
    path: ["cpuPercent"],
  });

const scaling = {
  plan: z.enum(SERVICE_PLANS),
  /** Fixed instance count, ignored when `autoscaling` is set. Default (infra/config/defaults.ts): 2 for production web services, else 1. */
  instances: z.number().int().min(1).max(100).optional(),
  autoscaling: AutoscalingSchema.optional(),
  /** Lets a production web service run one instance (`instances: 1` or `autoscaling.min: 1`); needs `singleInstanceReason`. */
  allowSingleInstance: z.boolean().optional(),
  /** Why one instance is acceptable here (recorded in the config for reviewers). */
  singleInstanceReason: z.string().trim().min(10, "say why one instance is acceptable, in a sentence").optional(),
};

/** Deploy settings shared by image-backed apps (defaults in infra/config/defaults.ts). */
const deploy = {
  /** Deploy on every push of the image/branch. Default: off in production (promotion is `pulumi up`), on elsewhere. */
  autoDeploy: z.boolean().optional(),
  /**
   * Render's pre-deploy command, run in the new version before it goes live: the place for expand migrations (e.g.
   * `npm run migrate:expand`). Default: none.
   */
  preDeployCommand: z.string().trim().min(1).max(1000).optional(),
};

/** A repository path glob as Render's build filters take it: relative, no `..`. */
const repoGlob = z
  .string()
  .min(1)
  .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\0]+$/, "must be a glob relative to the repository root such as apps/web/** (no leading '/', no '..')");

/** Render's build filter: a push builds only when a changed file matches `paths` and not `ignoredPaths`. */
const BuildFilterSchema = z
  .object({ paths: z.array(repoGlob).default([]), ignoredPaths: z.array(repoGlob).default([]) })
  .strict()
  .refine((b) => b.paths.length + b.ignoredPaths.length > 0, {
    message: "list at least one glob in paths or ignoredPaths, or remove buildFilter",
    path: ["paths"],
  });

/**
 * How a blue/green promotion judges a version (see infra/promotion/README.md). Every field has a default, so an
 * app without an `analysis` block gets the defaults below.
 */
export const PromotionAnalysisSchema = z
  .object({
    /** Longest wait for a deploy to the idle slot to go `live`; longer fails the promotion, traffic unchanged. */
    deployTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(900_000),
    /** Probes of the idle slot's own URL before any traffic moves: all must answer 2xx under the latency bound. */
    preSwitch: z
      .object({
        probes: z.number().int().min(1).max(100).default(5),
        intervalMs: z.number().int().min(10).max(60_000).default(2_000),
        timeoutMs: z.number().int().min(100).max(30_000).default(2_000),
        maxLatencyMs: z.number().positive().default(1_000),
      })
      .strict()
      .refine((p) => p.timeoutMs <= Math.max(p.intervalMs, 1_000) * 10, {
        message: "timeoutMs must be at most 10 × max(intervalMs, 1000)",
        path: ["timeoutMs"],
      })
      .default({ probes: 5, intervalMs: 2_000, timeoutMs: 2_000, maxLatencyMs: 1_000 }),
    /** The bake after the switch: the new slot's traffic through the edge (error rate, p99) plus probes. */
    postSwitch: z
      .object({
        bakeMs: z.number().int().min(100).max(3_600_000).default(60_000),
        intervalMs: z.number().int().min(50).max(600_000).default(10_000),
        /** A window with fewer requests than this proves nothing (Inconclusive). */
        minSamples: z.number().int().min(1).default(50),
        maxErrorRate: z.number().min(0).max(1).default(0.01),
        maxP99LatencyMs: z.number().positive().default(1_000),
        /** Failed windows tolerated before the switch back. */
        failureLimit: z.number().int().min(0).default(0),
      })
      .strict()
      .refine((p) => p.intervalMs <= p.bakeMs, { message: "intervalMs must not be above bakeMs", path: ["intervalMs"] })
      .default({ bakeMs: 60_000, intervalMs: 10_000, minSamples: 50, maxErrorRate: 0.01, maxP99LatencyMs: 1_000, failureLimit: 0 }),
    /** What an Inconclusive analysis (too little traffic) does: `abort` (default: traffic back where it was) or `promote`. */
    onInconclusive: z.enum(["abort", "promote"]).default("abort"),
  })
  .strict();

/** An app deployed blue/green behind the edge: two Render web services `<name>-blue` / `<name>-green`. */
const BlueGreenAppSchema = z
  .object({
    kind: z.literal("blueGreen"),
    /** Container image repository; the deployed ref is `<image>:<version>`. */
    image: z.string().min(1),
    /** The version to promote: changing it and running `pulumi up` is a promotion. */
    version,
    healthCheckPath: healthPath,
    /** Host names the edge routes to this app (the domains live on the edge, never on a slot). */
    hosts: z.array(hostName).default([]),
    /** Path prefixes the edge routes to this app on any of the edge's hosts. */
    pathPrefixes: z.array(z.string().regex(/^\//, "must start with '/'")).default([]),
    /** Promotion analysis settings (defaults apply when absent). */
    analysis: PromotionAnalysisSchema.default(() => PromotionAnalysisSchema.parse({})),
    /** Seconds Render waits after SIGTERM before killing an old instance. Default: the edge's drain timeout plus slack; never below it. */
    maxShutdownDelaySeconds: z.number().int().min(1).max(300).optional(),
    ...scaling,
    ...deploy,
  })
  .strict();

/** A Render background worker (no traffic; deployed in place). */
const WorkerAppSchema = z.object({ kind: z.literal("worker"), image: z.string().min(1), version, ...scaling, ...deploy }).strict();

/** A Render static site (the frontend), served through the edge's hosts. */
const StaticAppSchema = z
  .object({
    kind: z.literal("static"),
    repo: z.string().url(),
    branch: z.string().min(1).default("main"),
    buildCommand: z.string().min(1),
    publishPath: z.string().min(1),
    hosts: z.array(hostName).default([]),
    /** The site's directory in the repository (Render's `rootDir`); the default build filter is `<rootDir>/**`. */
    rootDir: z
      .string()
      .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).+$/, "must be a directory relative to the repository root (no leading '/', no '..')")
      .optional(),
    /** Which pushes rebuild the site. Default: `{paths: ["<rootDir>/**"]}` when rootDir is set. */
    buildFilter: BuildFilterSchema.optional(),
    /** A local checkout of `repo` (relative to the project root, or absolute): `check` verifies that every build filter glob matches a file there. */
    checkout: z.string().min(1).optional(),
    autoDeploy: z.boolean().optional(),
  })
  .strict();

const AppSchema = z.discriminatedUnion("kind", [BlueGreenAppSchema, WorkerAppSchema, StaticAppSchema]);

/**
 * AlphaStack production, referenced read-only. These ids are never managed by this program: the providers refuse
 * writes to them and the policy pack blocks any change that touches them.
 */
const AlphaStackSchema = z
  .object({
    ownerId: renderId("tea"),
    environmentId: renderId("evm").optional(),
    services: z.array(renderId("srv")).min(1),
    envGroups: z.array(renderId("evg")).default([]),
    databases: z.array(renderId("dpg")).default([]),
    domains: z.array(hostName).default([]),
    /** The engine's status endpoint, probed read-only by monitoring. */
    statusPath: healthPath.default("/healthz"),
  })
  .strict();

/** The whole `stackguard:*` namespace of a stack's config, field by field (cross-field checks and defaults below). */
const StackConfigBaseSchema = z
  .object({
    environment: z.enum(["staging", "production"]),
    render: z
      .object({
        /** The Render workspace this stack deploys into (staging and production are separate workspaces). */
        ownerId: renderId("tea"),
        region: z.enum(RENDER_REGIONS),
      })
      .strict(),
    alphaStack: AlphaStackSchema,
    apps: z.record(z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, "app names are lower-case words joined by '-'"), AppSchema),
    database: z
      .object({
        name: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/),
        plan: z.enum(POSTGRES_PLANS),
        version: z.enum(POSTGRES_VERSIONS),
        highAvailability: z.boolean().default(false),
        /**
         * Written by `npm run db:restore` (docs/recovery.md): a point-in-time recovery of the database that the apps
         * use instead of the one declared above (which is kept). Absent: the apps use the declared database.
         */
        restore: z
          .object({
            id: renderId("dpg"),
            name: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, "must be the recovered database's Render name"),
            sourceId: renderId("dpg"),
            restoreTime: z.iso.datetime({ offset: true }),
          })
          .strict()
          .optional(),
      })
      .strict(),
    edge: z
      .object({
        plan: z.enum(SERVICE_PLANS),
        /** Default: 2 in production, else 1 (infra/config/defaults.ts). */
        instances: z.number().int().min(1).max(100).optional(),
        autoscaling: AutoscalingSchema.optional(),
        allowSingleInstance: scaling.allowSingleInstance,
        singleInstanceReason: scaling.singleInstanceReason,
        /** Custom domains held by the edge; they never move between slots. */
        domains: z.array(hostName).default([]),
        /** Hosts routed by the edge that are not public custom domains (reached on the private network only). */
        internalHosts: z.array(hostName).default([]),
        /** How long a switch waits for the old slot's requests (EDGE_DRAIN_TIMEOUT_MS); the slots' shutdown delay follows it. */
        drainTimeoutMs: z.number().int().min(0).max(290_000).optional(),
        /** How long the edge finishes requests after SIGTERM (EDGE_SHUTDOWN_GRACE_MS); its own shutdown delay follows it. */
        shutdownGraceMs: z.number().int().min(0).max(290_000).optional(),
        /** Default: shutdownGraceMs plus slack; never below it. */
        maxShutdownDelaySeconds: z.number().int().min(1).max(300).optional(),
        /**
         * Plan of the Key Value instance holding the edge's shared state (`platform-<env>-edge-state`). `free` has no
         * persistence: a restart would lose every switch, so the pack refuses it in production.
         */
        statePlan: z.enum(KEY_VALUE_PLANS).default("starter"),
        /**
         * What carries the proxied traffic (`EDGE_DATA_PLANE`): the edge's own Node proxy (`node`, default), or HAProxy
         * driven by the edge's control plane (`haproxy`: about half the CPU per request of Node here; the edge's image
         * must hold `haproxy`). docs/decisions/edge-data-plane.md.
         */
        dataPlane: z.enum(["node", "haproxy"]).default("node"),
      })
      .strict(),
    /**
     * The stack's feature flags (flagd definitions with our metadata, infra/flags/definition.ts), stored on the edge
     * by `stackguard:FeatureFlag` resources. A flag removed here is deleted from the edge on the next `up`.
     */
    flags: z.record(z.string().regex(FLAG_KEY_PATTERN, "flag keys use letters, digits, '.', '_' and '-' (max 128)"), FlagDefinitionSchema).default({}),
    /**
     * Where Render streams this workspace's service logs (a syslog-over-TLS collector: Papertrail, Datadog, …). The
     * collector's token is the secret `stackguard:logStreamToken` (`pulumi config set --secret logStreamToken …`).
     * Absent: no log stream is managed.
     */
    logStream: z
      .object({
        endpoint: z
          .string()
          .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "must be the collector's host:port (syslog over TLS), e.g. logs.example.com:6514"),
        /** Whether preview services' logs are streamed too. */
        preview: z.enum(["send", "drop"]).default("drop"),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The whole `stackguard:*` namespace of a stack's config: validated, then the defaults of infra/config/defaults.ts applied. */
export const StackConfigSchema = StackConfigBaseSchema.superRefine((cfg, ctx) => {
  const apps = cfg.apps;
  if (cfg.render.ownerId === cfg.alphaStack.ownerId && cfg.environment === "staging") {
    ctx.addIssue({
      code: "custom",
      path: ["render", "ownerId"],
      message: "staging must not deploy into AlphaStack's production workspace: use the staging workspace's owner id",
    });
  }
  for (const [name, app] of Object.entries(apps)) {
    if (app.kind === "worker") continue;
    for (const host of app.hosts) {
      if (cfg.alphaStack.domains.includes(host)) {
        ctx.addIssue({
          code: "custom",
          path: ["apps", name, "hosts"],
          message: `host ${host} belongs to AlphaStack: remove it (AlphaStack's domains are never routed by this project)`,
        });
      }
    }
  }
  const restore = cfg.database.restore;
  if (restore && cfg.alphaStack.databases.some((d) => d.replace(/-[a-z]$/, "") === restore.id.replace(/-[a-z]$/, ""))) {
    ctx.addIssue({
      code: "custom",
      path: ["database", "restore", "id"],
      message: `${restore.id} is AlphaStack's database: the apps must never be pointed at it; remove database.restore or name a recovered database of this stack`,
    });
  }
  for (const p of routingProblems(apps, cfg.edge, cfg.alphaStack)) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
  checkDeploySettings(cfg, ctx);
}).transform(applyStackDefaults);

/** Checks of the deploy settings whose defaults live in infra/config/defaults.ts: redundancy and drain time. */
function checkDeploySettings(cfg: StackConfigInput, ctx: z.RefinementCtx): void {
  const production = cfg.environment === "production";
  const timing = edgeTiming(cfg.edge);
  const services: Array<
    [(string | number)[], "blueGreen" | "worker" | "edge", z.infer<typeof BlueGreenAppSchema> | z.infer<typeof WorkerAppSchema> | StackConfigInput["edge"]]
  > = [
    ...Object.entries(cfg.apps).flatMap(([name, app]) =>
      app.kind === "static" ? [] : [[["apps", name], app.kind, app] as [string[], "blueGreen" | "worker", typeof app]],
    ),
    [["edge"], "edge", cfg.edge],
  ];
  for (const [at, kind, s] of services) {
    const min = minInstances(s);
    if (s.allowSingleInstance && !s.singleInstanceReason) {
      ctx.addIssue({
        code: "custom",
        path: [...at, "singleInstanceReason"],
        message: "allowSingleInstance needs singleInstanceReason: say why one instance is acceptable here",
      });
    }
    if (needsRedundancy(production, kind) && min !== undefined && min < PRODUCTION_MIN_INSTANCES && !s.allowSingleInstance) {
      const field = s.autoscaling ? "autoscaling.min" : "instances";
      ctx.addIssue({
        code: "custom",
        path: [...at, ...field.split(".")],
        message: `a production web service must run at least ${PRODUCTION_MIN_INSTANCES} instances (${field} is ${min}): one restart or bad host is an outage. Use ${PRODUCTION_MIN_INSTANCES} or more (or leave it out for the default), or set allowSingleInstance: true with singleInstanceReason`,
      });
    }
    if (kind !== "worker" && "maxShutdownDelaySeconds" in s && s.maxShutdownDelaySeconds !== undefined) {
      const need = minShutdownDelaySeconds(kind === "edge" ? "edge" : "slot", timing);
      if (s.maxShutdownDelaySeconds < need) {
        const why =
          kind === "edge"
            ? `the edge finishes requests for ${timing.shutdownGraceMs} ms after SIGTERM (edge.shutdownGraceMs)`
            : `the edge drains a slot for ${timing.drainTimeoutMs} ms after a switch (edge.drainTimeoutMs)`;
        ctx.addIssue({
          code: "custom",
          path: [...at, "maxShutdownDelaySeconds"],
          message: `maxShutdownDelaySeconds ${s.maxShutdownDelaySeconds} is too short: ${why}; use at least ${need} or leave it out for the default`,
        });
      }
    }
  }
}

/** A stack config as validated, before the defaults of infra/config/defaults.ts are applied. */
export type StackConfigInput = z.output<typeof StackConfigBaseSchema>;
/** A validated stack config, defaults applied: what the program, the cost report and the alert defaults read. */
export type StackConfig = z.infer<typeof StackConfigSchema>;
/** One app, defaults applied. */
type AppConfig = StackConfig["apps"][string];
/** A blue/green app, defaults applied. */
export type BlueGreenAppConfig = Extract<AppConfig, { kind: "blueGreen" }>;
/** Validated promotion analysis settings of a blue/green app. */
export type PromotionAnalysis = z.infer<typeof PromotionAnalysisSchema>;
