import { alertsExtension } from "../../infra/alerts/edge-extension";
import type { EdgeExtension } from "../../infra/edge-contract/extensions";
import { flagsExtension } from "../../infra/flags/edge-extension";
import { vitalsExtension } from "./vitals";

// The seam itself (EdgeExtension, EdgeContext, the reserved admin names) is part of the edge's wire contract: the
// extensions implement it without importing the edge, and the edge injects its context at start.
export { RESERVED_ADMIN_NAMES } from "../../infra/edge-contract/admin-api";
export type { EdgeContext, EdgeExtension } from "../../infra/edge-contract/extensions";

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
function vitalsApps(env: NodeJS.ProcessEnv): string[] {
  let apps: string[] = [];
  try {
    apps = Object.keys(JSON.parse(env.EDGE_APPS ?? "{}") as Record<string, unknown>);
  } catch {
    // loadConfig refuses a bad EDGE_APPS before the edge starts; nothing to add here.
  }
  return [
    ...apps,
    ...(env.EDGE_VITALS_APPS ?? "")
      .split(",")
      .map((a) => a.trim())
      .filter(Boolean),
  ];
}

function vitalsRate(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error(`EDGE_VITALS_RATE_PER_MIN: must be an integer from 1 to 100000, got '${raw}'`);
  return n;
}
