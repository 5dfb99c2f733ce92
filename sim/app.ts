import type { Databases } from "./databases";
import type { DataPlaneApi } from "./dataplane/types";
import type { DeployLifecycle } from "./lifecycle/deploys";
import type { RateLimitMode } from "./ratelimit";
import type { Store } from "./store/db";

/** Render's workspace-level "overlapping deploy policy" (changelog 2025-05-28): `override` is Render's default. */
export type OverlappingDeployPolicy = "override" | "wait";

/** Options that shape the simulator's behaviour. */
export interface SimOptions {
  /** Multiplies every simulated duration (deploy phases, database provisioning); 1 = Render's realistic timing. */
  timeScale: number;
  rateLimit: RateLimitMode;
  /** Default policy for owners without their own (see `/__sim/owners/{id}/settings`). */
  overlappingDeployPolicy: OverlappingDeployPolicy;
}

/** Everything a handler needs: state, the data plane, the deploy life cycle and the options. */
export interface SimApp {
  store: Store;
  dataPlane: DataPlaneApi;
  lifecycle: DeployLifecycle;
  options: SimOptions;
  /** Real PostgreSQL and Redis servers behind the Postgres and Key Value records (absent kinds stay records only). */
  databases: Databases;
  /** Scaled duration in ms for a realistic duration of `seconds`. */
  scaled(seconds: number): number;
}
