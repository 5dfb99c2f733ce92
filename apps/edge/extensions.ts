import type * as http from "node:http";
import { alertsExtension } from "../../infra/alerts/edge-extension";
import { flagsExtension } from "../../infra/flags/edge-extension";
import type { UpdateResult } from "./replicator";
import { vitalsExtension } from "./vitals";
import type { EdgeState } from "./state";

/** What an extension may use of the edge: the shared state (replicated, persisted) and a logger. */
export interface EdgeContext {
  /** The current shared state; an extension keeps its own data under `state().ext[<its name>]`. */
  state(): EdgeState;
  /** Changes the shared state through the same persist-then-fan-out path as a switch. */
  update(mutate: (current: EdgeState) => EdgeState | undefined): Promise<UpdateResult>;
  /** Called after every change of the shared state on this instance (local, from a peer, or from the store). */
  onState(listener: (next: EdgeState, prev: EdgeState) => void): void;
  log(msg: string): void;
}

/**
 * A feature served by the edge beside the proxy — the seam for OFREP flag serving (issue 7). Public paths are
 * served without the admin token (e.g. `/ofrep/v1/`); admin paths live under `/__edge/<name>/` and are only
 * reached with a valid admin token.
 */
export interface EdgeExtension {
  /** Lower-case name; also the admin path segment (`/__edge/<name>/…`). Must not be a built-in admin path. */
  readonly name: string;
  /** Path prefixes served publicly by this extension, before routing to apps. */
  readonly publicPrefixes: readonly string[];
  /** Called once the shared state is loaded, before the edge listens. */
  start?(ctx: EdgeContext): Promise<void> | void;
  stop?(): Promise<void> | void;
  /**
   * Judges a new value of this extension's section in a document pushed by a peer (`transition.ts`): returns why
   * it is refused, or undefined. Without it any value is taken (the extension must then cope with bad data).
   */
  verify?(section: unknown): string | undefined;
  /** Serves a request; `admin` is true under `/__edge/<name>/` (token already checked). */
  handle(req: http.IncomingMessage, res: http.ServerResponse, where: { admin: boolean; path: string }): Promise<void> | void;
}

/** Admin path segments the edge itself uses; an extension may not take them. */
export const RESERVED_ADMIN_NAMES = new Set(["state", "switch", "analysis", "metrics", "events", "internal", "healthz"]);

/**
 * Extensions enabled in this build: feature flags (OFREP under `/ofrep/v1/`, admin under `/__edge/flags/`;
 * `EDGE_FLAGS_ALLOW_ORIGIN` sets the CORS origin browsers may evaluate flags from), alert rules (admin only, under
 * `/__edge/alerts/`, read by the guardian) and web-vitals beacons (public `POST /__vitals`, summary for the guardian
 * under `/__edge/vitals`; `EDGE_VITALS_ALLOW_ORIGIN` sets the CORS origin, default the flags' origin; beacons only
 * for the apps of `EDGE_APPS` and `EDGE_VITALS_APPS`, at most `EDGE_VITALS_RATE_PER_MIN` per client and minute).
 */
export function loadExtensions(env: NodeJS.ProcessEnv): EdgeExtension[] {
  return [
    flagsExtension({ allowOrigin: env.EDGE_FLAGS_ALLOW_ORIGIN || undefined }),
    alertsExtension(),
    vitalsExtension({
      apps: vitalsApps(env),
      allowOrigin: env.EDGE_VITALS_ALLOW_ORIGIN || env.EDGE_FLAGS_ALLOW_ORIGIN || undefined,
      ...(env.EDGE_VITALS_RATE_PER_MIN ? { ratePerMinute: vitalsRate(env.EDGE_VITALS_RATE_PER_MIN) } : {}),
    }),
  ];
}

/** The apps beacons are accepted for: the edge's apps (`EDGE_APPS`) and `EDGE_VITALS_APPS` (comma-separated). */
export function vitalsApps(env: NodeJS.ProcessEnv): string[] {
  let apps: string[] = [];
  try {
    apps = Object.keys(JSON.parse(env.EDGE_APPS ?? "{}") as Record<string, unknown>);
  } catch {
    // loadConfig refuses a bad EDGE_APPS before the edge starts; nothing to add here.
  }
  return [...apps, ...(env.EDGE_VITALS_APPS ?? "").split(",").map((a) => a.trim()).filter(Boolean)];
}

function vitalsRate(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error(`EDGE_VITALS_RATE_PER_MIN: must be an integer from 1 to 100000, got '${raw}'`);
  return n;
}
