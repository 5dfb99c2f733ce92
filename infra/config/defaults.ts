/**
 * Render deployment defaults (issue 9), in one place. The stack config schema applies them after validation
 * (`StackConfigSchema`'s transform), so the program, the cost report and the alert defaults all read the same
 * effective values. Every default can be overridden in the stack config; docs/defaults.md lists them.
 */
import { EDGE_ADMIN_PATHS } from "../edge-contract/admin-api";
import { EDGE_TIMING_DEFAULTS } from "../edge-contract/slots";
import type { StackConfigInput } from "./schema";

/** The edge's own health check path (apps/edge/admin.ts serves it without auth). */
export const EDGE_HEALTH_CHECK_PATH = EDGE_ADMIN_PATHS.healthz;

/** Instances of a production web service or the edge when the config leaves the count out: one restart is no outage. */
export const PRODUCTION_MIN_INSTANCES = 2;

/**
 * Seconds added to the edge's own drain bounds: Render sends SIGTERM, the process finishes its last response and
 * closes its sockets; without slack the last drained request could be cut by SIGKILL.
 */
export const SHUTDOWN_SLACK_SECONDS = 5;

/** The edge's timing (what it waits for), from config or the edge's own defaults. */
export interface EdgeTiming {
  drainTimeoutMs: number;
  shutdownGraceMs: number;
}

/** The edge's timing from its config block, the edge's own defaults filling what is left out. */
export function edgeTiming(edge: { drainTimeoutMs?: number; shutdownGraceMs?: number }): EdgeTiming {
  return {
    drainTimeoutMs: edge.drainTimeoutMs ?? EDGE_TIMING_DEFAULTS.drainTimeoutMs,
    shutdownGraceMs: edge.shutdownGraceMs ?? EDGE_TIMING_DEFAULTS.shutdownGraceMs,
  };
}

/**
 * The shortest `maxShutdownDelaySeconds` that lets the edge drain:
 * - a **slot**: after a switch the edge lets requests already bound to the old slot finish for up to
 *   `drainTimeoutMs`; Render must not kill that slot's old instances sooner (a deploy or scale-down during a drain);
 * - the **edge**: on SIGTERM it finishes requests in flight for up to `shutdownGraceMs` before exiting.
 */
export function minShutdownDelaySeconds(kind: "slot" | "edge", timing: EdgeTiming): number {
  const ms = kind === "slot" ? timing.drainTimeoutMs : timing.shutdownGraceMs;
  return Math.min(300, Math.ceil(ms / 1000) + SHUTDOWN_SLACK_SECONDS);
}

/** Render's `buildFilter`: globs of repository paths that trigger (or never trigger) a build. */
export interface BuildFilter {
  paths: string[];
  ignoredPaths: string[];
}

/** The default build filter of a repo-backed app: its own directory (`rootDir`), when it declares one. */
export function defaultBuildFilter(rootDir: string | undefined): BuildFilter | undefined {
  if (!rootDir) return undefined;
  const dir = rootDir.replace(/^\.\/+/, "").replace(/\/+$/, "");
  return dir === "" || dir === "." ? undefined : { paths: [`${dir}/**`], ignoredPaths: [] };
}

/** Is this app a production web service whose instance count must be at least {@link PRODUCTION_MIN_INSTANCES}? */
export function needsRedundancy(production: boolean, kind: "blueGreen" | "edge" | "worker" | "static"): boolean {
  return production && (kind === "blueGreen" || kind === "edge");
}

/** The smallest number of instances a service may run with: autoscaling's min, else the fixed count. */
export function minInstances(s: { instances?: number; autoscaling?: { min: number } }): number | undefined {
  return s.autoscaling?.min ?? s.instances;
}

type InputApps = StackConfigInput["apps"];
type InputApp = InputApps[string];

function resolveApp(app: InputApp, production: boolean, region: StackConfigInput["render"]["region"], timing: EdgeTiming) {
  switch (app.kind) {
    case "blueGreen":
      return {
        ...app,
        instances: app.instances ?? app.autoscaling?.min ?? (production ? PRODUCTION_MIN_INSTANCES : 1),
        // Production is promoted by `pulumi up` (deploy to the idle slot, analysis, switch), never by a push.
        autoDeploy: app.autoDeploy ?? !production,
        maxShutdownDelaySeconds: app.maxShutdownDelaySeconds ?? minShutdownDelaySeconds("slot", timing),
        // The database is created in the stack's region; services follow it (Render's private network is regional).
        region,
      };
    case "worker":
      return {
        ...app,
        instances: app.instances ?? app.autoscaling?.min ?? 1,
        autoDeploy: app.autoDeploy ?? !production,
        region,
      };
    case "static":
      return {
        ...app,
        autoDeploy: app.autoDeploy ?? !production,
        buildFilter: app.buildFilter ?? defaultBuildFilter(app.rootDir),
      };
  }
}

/**
 * Applies the defaults to a validated stack config. Pure: the same input always yields the same effective config.
 * Explicit values are kept as written (the schema has already rejected the unsafe ones).
 */
export function applyStackDefaults(cfg: StackConfigInput) {
  const production = cfg.environment === "production";
  const timing = edgeTiming(cfg.edge);
  const apps = Object.fromEntries(Object.entries(cfg.apps).map(([name, app]) => [name, resolveApp(app, production, cfg.render.region, timing)]));
  return {
    ...cfg,
    apps: apps as { [name: string]: ReturnType<typeof resolveApp> },
    edge: {
      ...cfg.edge,
      ...timing,
      instances: cfg.edge.instances ?? cfg.edge.autoscaling?.min ?? (production ? PRODUCTION_MIN_INSTANCES : 1),
      maxShutdownDelaySeconds: cfg.edge.maxShutdownDelaySeconds ?? minShutdownDelaySeconds("edge", timing),
      healthCheckPath: EDGE_HEALTH_CHECK_PATH,
      // The edge's image is pinned by the program; a new edge version is rolled out by `pulumi up`, never by a push.
      autoDeploy: false,
      region: cfg.render.region,
    },
  };
}
