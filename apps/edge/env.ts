import { loadConfig, type AppUpstreams, type RouteInput, type Slot } from "./config";
import { parseState } from "./state";

/** What a stack declares for its edge (the BlueGreenApp component and the stack program build it from config). */
export interface EdgeEnvInput {
  /** app → its slots' private-network base URLs (e.g. `http://api-blue:10000`) and health path. */
  apps: Record<string, Omit<AppUpstreams, "healthPath"> & { healthPath?: string }>;
  routes: RouteInput[];
  /** Initial active slots (only read when the edge has no persisted state yet). */
  active?: Record<string, Slot>;
}

/**
 * The edge's routing env vars (`EDGE_APPS`, `EDGE_ROUTES`, `EDGE_ACTIVE`) from a declaration, checked by the very
 * code the edge runs at start (`loadConfig`, `parseState`), so `pulumi preview` fails on what would stop the edge.
 * Throws `EdgeConfigError`/`Error` naming the variable and the field.
 */
export function buildEdgeEnv(input: EdgeEnvInput): { EDGE_APPS: string; EDGE_ROUTES: string; EDGE_ACTIVE: string } {
  const env = { EDGE_APPS: JSON.stringify(input.apps), EDGE_ROUTES: JSON.stringify(input.routes), EDGE_ACTIVE: JSON.stringify(input.active ?? {}) };
  // The token is a placeholder: only the routing variables are being checked here.
  const config = loadConfig({ ...env, EDGE_ADMIN_TOKEN: "placeholder-token-for-validation" });
  const active = parseState(config.initialActive, "EDGE_ACTIVE").active;
  for (const a of Object.keys(active)) if (!config.apps[a]) throw new Error(`EDGE_ACTIVE: ${a}: unknown app; declare it in apps or remove it`);
  return { EDGE_APPS: JSON.stringify(config.apps), EDGE_ROUTES: JSON.stringify(config.routes), EDGE_ACTIVE: env.EDGE_ACTIVE };
}
