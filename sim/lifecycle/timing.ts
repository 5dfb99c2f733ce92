import type { ServiceType } from "../dataplane/types";

/**
 * Realistic default durations, in seconds at `timeScale` 1, of the phases Render reports for a deploy and of
 * database provisioning. Calibrated on the recordings: a Postgres instance was `creating` 30–31 s after its POST and
 * `available` 39–40 s after; an image-backed private service with a pre-deploy command was still deploying 25 s
 * after its creation (its later deploys were queued behind it).
 */
export const TIMING = {
  /** Git-backed (native or docker) build. */
  buildSeconds: 30,
  /** Pre-deploy command run. */
  preDeploySeconds: 10,
  /** Image pull, start and health check of web and private services. */
  updateSecondsServing: 20,
  /** Start of background workers (no health check). */
  updateSecondsWorker: 10,
  /** Upload of a static site's publish directory. */
  updateSecondsStatic: 5,
  /** Postgres `creating` → `available`, also after plan/HA/disk changes. */
  postgresProvisionSeconds: 35,
  /** Key Value / Redis `creating` → `available` (the recordings never saw one finish within 40 s). */
  keyValueProvisionSeconds: 60,
} as const;

/** One phase of a deploy: the status Render shows while it runs and its realistic duration. */
export interface Phase {
  status: "build_in_progress" | "pre_deploy_in_progress" | "update_in_progress";
  seconds: number;
}

/**
 * The phases of a deploy for a service of `type`. Cron jobs only build (git-backed) or nothing (image-backed, live
 * at once, as recorded): the new version is used from their next run.
 */
export function phasesFor(type: ServiceType, opts: { build: boolean; preDeploy: boolean }): Phase[] {
  if (type === "cron_job") return opts.build ? [{ status: "build_in_progress", seconds: TIMING.buildSeconds }] : [];
  const phases: Phase[] = [];
  if (opts.build) phases.push({ status: "build_in_progress", seconds: TIMING.buildSeconds });
  if (opts.preDeploy && type !== "static_site") phases.push({ status: "pre_deploy_in_progress", seconds: TIMING.preDeploySeconds });
  const update = type === "static_site" ? TIMING.updateSecondsStatic : type === "background_worker" ? TIMING.updateSecondsWorker : TIMING.updateSecondsServing;
  phases.push({ status: "update_in_progress", seconds: update });
  return phases;
}
