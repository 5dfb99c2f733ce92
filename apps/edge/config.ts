import * as os from "node:os";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { findHaproxy, findSetpriv } from "./data-plane/haproxy-binary";
import { haproxyRouteProblem } from "./data-plane/haproxy-config";
import { AppNameSchema as appName, EDGE_TIMING_DEFAULTS, SLOTS, type Slot } from "../../infra/edge-contract/slots";

// The slot names, the active map and the timing defaults are part of the edge's wire contract (infra/edge-contract).
export { EDGE_TIMING_DEFAULTS, SLOTS, type Slot };
const upstreamUrl = z
  .string()
  .url("must be an absolute URL such as http://api-blue:10000")
  .refine((u) => /^https?:\/\//.test(u), "must use http:// or https://");

/** A Key Value connection string (Render's internal `redis://red-…:6379` or external `rediss://…`); never echoed. */
const keyValueUrl = z
  .string()
  .refine(
    (u) => /^rediss?:\/\/[^\s/]+(\/\d*)?$/.test(u),
    "must be the Key Value instance's connection string, redis://<host>:<port> (internal) or rediss://<user>:<password>@<host>:<port>",
  );

/** One app behind the edge: its two slots' base URLs and the health path the edge probes. */
const AppUpstreamsSchema = z
  .object({
    blue: upstreamUrl,
    green: upstreamUrl,
    healthPath: z.string().regex(/^\//, "must be a path starting with '/' such as /healthz").default("/healthz"),
  })
  .strict();

/** `EDGE_APPS`: app → its slots. */
const EdgeAppsSchema = z.record(appName, AppUpstreamsSchema).refine((a) => Object.keys(a).length > 0, "declare at least one app");

/**
 * One routing rule of `EDGE_ROUTES`. A request matches when its Host is one of `hosts` (exact, or `*.example.com`
 * for any subdomain; omitted = any host) and its path is `pathPrefix` or below it (segment-wise: `/api` matches
 * `/api` and `/api/x`, not `/apix`).
 */
export const RouteSchema = z
  .object({
    /** Name used in metrics; defaults to `<hosts|*><pathPrefix>`. */
    name: z
      .string()
      .regex(/^[\w.*/:-]{1,120}$/, "route names are letters, digits and . * / : - _")
      .optional(),
    hosts: z
      .array(z.string().regex(/^(\*\.)?[a-z0-9.-]+(:\d+)?$/, "must be a lower-case host name such as api.example.com or *.example.com"))
      .min(1)
      .optional(),
    pathPrefix: z
      .string()
      .regex(/^\/[^?#]*$/, "must start with '/' and hold no query")
      .default("/"),
    app: appName,
    /** Remove `pathPrefix` from the path before proxying. */
    stripPrefix: z.boolean().default(false),
  })
  .strict();
const EdgeRoutesSchema = z.array(RouteSchema).min(1, "declare at least one route");

export type AppUpstreams = z.infer<typeof AppUpstreamsSchema>;
export type Route = z.output<typeof RouteSchema>;
export type RouteInput = z.input<typeof RouteSchema>;

/** Where the shared state is persisted. */
export type StoreConfig =
  /** `url` is the Key Value connection string (secret when it holds a password; never logged). */
  | { kind: "key-value"; url: string }
  | { kind: "render"; apiUrl: string; apiKey: string; serviceId: string; envVar: string }
  | { kind: "file"; path: string }
  | { kind: "memory" };

/** How an instance finds the other instances of the edge. */
export type PeersConfig =
  | { kind: "static"; urls: string[] }
  | { kind: "dir"; dir: string }
  | { kind: "dns"; host: string; port: number; protocol: "http" | "https" }
  | { kind: "none" };

/** The edge's validated configuration. */
export interface EdgeConfig {
  port: number;
  host: string;
  routes: Route[];
  apps: Record<string, AppUpstreams>;
  /** Raw `EDGE_ACTIVE` (a map or the versioned document), parsed later by the state module. */
  initialActive: unknown;
  /** Secret. Never logged. */
  adminToken: string;
  /** `EDGE_PEER_KEY`: the secret peers sign state pushes with (secret, never logged); unset: derived from the admin token. */
  peerKey?: string;
  instanceId: string;
  /** URL at which peers reach this instance (announced in a peers directory). */
  selfUrl: string;
  store: StoreConfig;
  peers: PeersConfig;
  /** Interval of the durable-state poll that catches switches a fan-out missed. */
  syncIntervalMs: number;
  probe: { intervalMs: number; timeoutMs: number; window: number; failureLimit: number; autoRollback: boolean };
  /**
   * Passive detection on real traffic (`EDGE_PASSIVE_ROLLBACK`, `EDGE_PASSIVE_CONSECUTIVE_FAILURES`): this many
   * failed proxied requests in a row on the active slot roll back like a failed probe window (needs `autoRollback`).
   */
  passive: { enabled: boolean; consecutiveFailures: number };
  upstreamTimeoutMs: number;
  drainTimeoutMs: number;
  shutdownGraceMs: number;
  /**
   * `EDGE_DATA_PLANE`: what carries the proxied traffic: the Node proxy in this process (`node`, the default), or
   * Debian's HAProxy started and driven by this process (`haproxy`, see apps/edge/data-plane/).
   */
  dataPlane: { kind: "node" } | { kind: "haproxy"; bin: string; setpriv?: string; pollIntervalMs: number };
}

/** A configuration error naming the variable and the fix. Thrown before the edge listens or changes anything. */
export class EdgeConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = "EdgeConfigError";
  }
}

function json(env: NodeJS.ProcessEnv, name: string, example: string): unknown {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") throw new EdgeConfigError(name, `is required; set it to JSON such as ${example}`);
  try {
    return JSON.parse(raw);
  } catch (e) {
    throw new EdgeConfigError(name, `is not valid JSON (${(e as Error).message}); set it to JSON such as ${example}`);
  }
}

function check<T extends z.ZodTypeAny>(name: string, schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  const at = i.path.length ? `${i.path.join(".")}: ` : "";
  throw new EdgeConfigError(name, `${at}${i.message}`);
}

function int(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new EdgeConfigError(name, `must be an integer from ${min} to ${max}, got '${raw}'`);
  return n;
}

/** Reads and validates the edge's configuration from the environment. Throws `EdgeConfigError` on bad input. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): EdgeConfig {
  const apps = check(
    "EDGE_APPS",
    EdgeAppsSchema,
    json(env, "EDGE_APPS", '{"api":{"blue":"http://api-blue:10000","green":"http://api-green:10000","healthPath":"/healthz"}}'),
  );
  const routes = check("EDGE_ROUTES", EdgeRoutesSchema, json(env, "EDGE_ROUTES", '[{"hosts":["api.example.com"],"app":"api"}]'));
  routes.forEach((r, i) => {
    if (!apps[r.app]) throw new EdgeConfigError("EDGE_ROUTES", `${i}.app: unknown app '${r.app}'; declare it in EDGE_APPS or fix the route`);
  });
  const keys = new Set<string>();
  routes.forEach((r, i) => {
    for (const h of r.hosts ?? ["*"]) {
      const k = `${h}|${r.pathPrefix}`;
      if (keys.has(k)) throw new EdgeConfigError("EDGE_ROUTES", `${i}: host ${h} with pathPrefix ${r.pathPrefix} is routed twice; remove one route`);
      keys.add(k);
    }
  });
  const initialActive = env.EDGE_ACTIVE && env.EDGE_ACTIVE.trim() !== "" ? json(env, "EDGE_ACTIVE", '{"api":"blue"}') : {};

  const adminToken = env.EDGE_ADMIN_TOKEN ?? "";
  if (adminToken.length < 16) throw new EdgeConfigError("EDGE_ADMIN_TOKEN", "is required and must be at least 16 characters (generate it with @pulumi/random)");

  const peerKey = env.EDGE_PEER_KEY || undefined;
  if (peerKey !== undefined && peerKey.length < 32)
    throw new EdgeConfigError("EDGE_PEER_KEY", "must be at least 32 characters (generate it with @pulumi/random, like the admin token)");
  if (peerKey !== undefined && peerKey === adminToken)
    throw new EdgeConfigError("EDGE_PEER_KEY", "must differ from EDGE_ADMIN_TOKEN: holding the admin token must not be enough to push state to the instances");

  const port = int(env, "PORT", 10000, 0, 65535);
  const host = env.EDGE_LISTEN_HOST ?? "0.0.0.0";
  const instanceId = env.EDGE_INSTANCE_ID || env.RENDER_INSTANCE_ID || `${os.hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;

  let store: StoreConfig;
  // Render sets RENDER_SERVICE_ID on every service, so the edge-scoped key alone decides whether the state is
  // persisted in the edge's own env var; the service id is then required too.
  if (env.EDGE_KEY_VALUE_URL) {
    // The recommended store: compare-and-set and pub/sub, and no Render API key in the internet-facing edge.
    if (env.EDGE_RENDER_API_KEY)
      throw new EdgeConfigError(
        "EDGE_RENDER_API_KEY",
        "must not be set with EDGE_KEY_VALUE_URL: the state lives in Key Value, and a Render API key can change the whole workspace; remove it from the edge",
      );
    check("EDGE_KEY_VALUE_URL", keyValueUrl, env.EDGE_KEY_VALUE_URL);
    store = { kind: "key-value", url: env.EDGE_KEY_VALUE_URL };
  } else if (env.EDGE_RENDER_API_KEY) {
    if (!env.RENDER_SERVICE_ID)
      throw new EdgeConfigError(
        "RENDER_SERVICE_ID",
        "is required when EDGE_RENDER_API_KEY is set: the edge persists its state in its own Render env var and needs both",
      );
    const apiUrl = check("RENDER_API_URL", upstreamUrl, env.RENDER_API_URL ?? "https://api.render.com/v1");
    const serviceId = check(
      "RENDER_SERVICE_ID",
      z.string().regex(/^srv-[0-9a-z]{20}$/, "must be the edge's own Render service id (srv-…)"),
      env.RENDER_SERVICE_ID,
    );
    store = { kind: "render", apiUrl: apiUrl.replace(/\/$/, ""), apiKey: env.EDGE_RENDER_API_KEY, serviceId, envVar: "EDGE_ACTIVE" };
  } else if (env.EDGE_STATE_FILE) {
    store = { kind: "file", path: env.EDGE_STATE_FILE };
  } else {
    store = { kind: "memory" };
  }

  let peers: PeersConfig = { kind: "none" };
  // With Key Value the instances hear each other's writes over its pub/sub: no discovery, no pushes between them.
  if (store.kind === "key-value") {
    // nothing: EDGE_PEERS, EDGE_PEERS_DIR and RENDER_DISCOVERY_SERVICE are not used
  } else if (env.EDGE_PEERS) {
    const urls = env.EDGE_PEERS.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    check("EDGE_PEERS", z.array(upstreamUrl).min(1, "list the peers' base URLs, comma-separated"), urls);
    peers = { kind: "static", urls };
  } else if (env.EDGE_PEERS_DIR) {
    peers = { kind: "dir", dir: env.EDGE_PEERS_DIR };
  } else if (env.RENDER_DISCOVERY_SERVICE) {
    peers = { kind: "dns", host: env.RENDER_DISCOVERY_SERVICE, port, protocol: "http" };
  }

  const autoRollback = env.EDGE_AUTO_ROLLBACK ?? "on";
  if (autoRollback !== "on" && autoRollback !== "off") throw new EdgeConfigError("EDGE_AUTO_ROLLBACK", `must be 'on' or 'off', got '${autoRollback}'`);
  const window = int(env, "EDGE_PROBE_WINDOW", 3, 1, 100);
  const failureLimit = int(env, "EDGE_PROBE_FAILURE_LIMIT", 1, 0, 99);
  if (failureLimit >= window)
    throw new EdgeConfigError("EDGE_PROBE_FAILURE_LIMIT", `must be below EDGE_PROBE_WINDOW (${window}), or no window could ever fail`);
  const passive = env.EDGE_PASSIVE_ROLLBACK ?? "on";
  if (passive !== "on" && passive !== "off") throw new EdgeConfigError("EDGE_PASSIVE_ROLLBACK", `must be 'on' or 'off', got '${passive}'`);
  const dataPlane = loadDataPlane(env, routes, apps);
  // The Render store's poll costs API calls (rate limits); the others are cheap to read.
  const syncDefault = store.kind === "render" ? 10_000 : 2_000;
  return {
    port,
    host,
    routes,
    apps,
    initialActive,
    adminToken,
    ...(peerKey ? { peerKey } : {}),
    instanceId,
    selfUrl: env.EDGE_SELF_URL ?? "",
    store,
    peers,
    syncIntervalMs: int(env, "EDGE_SYNC_INTERVAL_MS", syncDefault, 200, 600_000),
    probe: {
      intervalMs: int(env, "EDGE_PROBE_INTERVAL_MS", 500, 50, 60_000),
      timeoutMs: int(env, "EDGE_PROBE_TIMEOUT_MS", 1_000, 50, 30_000),
      window,
      failureLimit,
      autoRollback: autoRollback === "on",
    },
    // 5 in a row, as Envoy's outlier detection (consecutive_5xx) defaults to: one stray error never rolls back.
    passive: { enabled: passive === "on", consecutiveFailures: int(env, "EDGE_PASSIVE_CONSECUTIVE_FAILURES", 5, 1, 10_000) },
    upstreamTimeoutMs: int(env, "EDGE_UPSTREAM_TIMEOUT_MS", EDGE_TIMING_DEFAULTS.upstreamTimeoutMs, 100, 600_000),
    drainTimeoutMs: int(env, "EDGE_DRAIN_TIMEOUT_MS", EDGE_TIMING_DEFAULTS.drainTimeoutMs, 0, 600_000),
    shutdownGraceMs: int(env, "EDGE_SHUTDOWN_GRACE_MS", EDGE_TIMING_DEFAULTS.shutdownGraceMs, 0, 600_000),
    dataPlane,
  };
}

/** `EDGE_DATA_PLANE` (and `EDGE_DATA_PLANE_POLL_MS`): `haproxy` needs the binary and routes HAProxy can express. */
function loadDataPlane(env: NodeJS.ProcessEnv, routes: Route[], apps: Record<string, AppUpstreams>): EdgeConfig["dataPlane"] {
  const kind = env.EDGE_DATA_PLANE || "node";
  if (kind === "node") return { kind };
  if (kind !== "haproxy") throw new EdgeConfigError("EDGE_DATA_PLANE", `must be 'node' or 'haproxy', got '${kind}'`);
  const bin = findHaproxy();
  if (!bin)
    throw new EdgeConfigError(
      "EDGE_DATA_PLANE",
      "is 'haproxy' but the haproxy binary is not installed; install Debian's package (apt-get install haproxy) or set EDGE_DATA_PLANE=node",
    );
  const problem = haproxyRouteProblem(routes, apps);
  if (problem) throw new EdgeConfigError(problem.variable, problem.detail);
  const setpriv = findSetpriv();
  return { kind, bin, ...(setpriv ? { setpriv } : {}), pollIntervalMs: int(env, "EDGE_DATA_PLANE_POLL_MS", 250, 5, 10_000) };
}
