import type { AppUpstreams, Route, Slot } from "../config";
import { REQUEST_LOG_FORMAT, REQUEST_RING } from "./haproxy-request-log";

/** The slots (config.ts imports this module to check routes, so its SLOTS is not imported here). */
const SLOTS: readonly Slot[] = ["blue", "green"];

/** Everything the generated HAProxy configuration depends on. No secret goes into it. */
export interface HaproxyConfigInput {
  /** Public listen address and port (the edge's `EDGE_LISTEN_HOST` and `PORT`). */
  bindHost: string;
  bindPort: number;
  /** The edge's Node server (control plane) on loopback. */
  controlPort: number;
  /** Public path prefixes the control plane serves (extensions), besides `/__edge`. */
  controlPrefixes: string[];
  apps: Record<string, AppUpstreams>;
  routes: Route[];
  /** The runtime API's Unix socket (mode 0600, in the data plane's private directory). */
  socketPath: string;
  /** The map file app → backend that `set map` changes at run time. */
  mapPath: string;
  upstreamTimeoutMs: number;
  /** HAProxy's own health checks of each slot (only the signal for the control plane; see `slotBackend`). */
  checkIntervalMs: number;
  /** Loopback UDP port HAProxy sends its server state changes to (only those: no request is logged). */
  eventsPort: number;
  /** `observe layer7 error-limit <n> on-error mark-down` on each slot's server; off: no observation. */
  passive: { enabled: boolean; consecutiveFailures: number };
}

/** The backend that carries one slot of one app. */
export function backendName(app: string, slot: Slot): string {
  return `be_${app}_${slot}`;
}

/** The map file's text: one line per app, its active slot's backend. */
export function activeMap(active: Record<string, Slot>): string {
  return Object.entries(active)
    .map(([app, slot]) => `${app} ${backendName(app, slot)}\n`)
    .join("");
}

/** Characters a path prefix or health path may hold to be written into HAProxy's configuration as is. */
const SAFE_PATH = /^\/[A-Za-z0-9._~/-]*$/;

/**
 * Why the routes or apps cannot be expressed in HAProxy's configuration (a path with characters its configuration
 * language would interpret), or undefined. Checked when the configuration is loaded, so the edge refuses to start
 * rather than route differently from the Node proxy.
 */
export function haproxyRouteProblem(routes: Route[], apps: Record<string, AppUpstreams>): { variable: string; detail: string } | undefined {
  for (const [i, r] of routes.entries()) {
    if (!SAFE_PATH.test(r.pathPrefix))
      return {
        variable: "EDGE_ROUTES",
        detail: `${i}.pathPrefix: '${r.pathPrefix}' holds characters the HAProxy data plane cannot route on; use letters, digits and . _ ~ / - only, or EDGE_DATA_PLANE=node`,
      };
  }
  for (const [app, a] of Object.entries(apps)) {
    if (!SAFE_PATH.test(a.healthPath))
      return {
        variable: "EDGE_APPS",
        detail: `${app}.healthPath: '${a.healthPath}' holds characters the HAProxy data plane cannot check; use letters, digits and . _ ~ / - only, or EDGE_DATA_PLANE=node`,
      };
    for (const slot of SLOTS) {
      const u = new URL(a[slot]);
      if (!SAFE_PATH.test(u.pathname) || u.search)
        return {
          variable: "EDGE_APPS",
          detail: `${app}.${slot}: the HAProxy data plane needs a base URL whose path holds letters, digits and . _ ~ / - only, and no query`,
        };
    }
  }
  return undefined;
}

/** `^…$` regular expression matching exactly `s` (only the characters SAFE_PATH and host names allow). */
function literal(s: string): string {
  return s.replace(/[.]/g, "\\.");
}

/**
 * The route table as HAProxy rules, in the Node router's order of preference: each (route, host) pair is scored as
 * `router.ts` scores it (exact host 3, wildcard 2, any host 1; then the longest prefix) and the first matching
 * rule in that order sets `txn.route`, so the same request picks the same route on both data planes.
 */
function routeRules(routes: Route[]): string[] {
  const entries: { i: number; score: number; host: string | undefined; r: Route }[] = [];
  routes.forEach((r, i) => {
    for (const h of r.hosts ?? [undefined]) {
      const hs = h === undefined ? 1 : h.startsWith("*.") ? 2 : 3;
      entries.push({ i, score: hs * 10_000 + r.pathPrefix.length, host: h, r });
    }
  });
  entries.sort((a, b) => b.score - a.score || a.i - b.i);
  const out: string[] = [];
  entries.forEach((e, k) => {
    const base = e.r.pathPrefix.replace(/\/$/, "");
    const conds = ["!cp", "!routed"];
    // Named ACLs declared twice match either way (HAProxy ORs them): the host with or without its port, the
    // prefix itself or a path below it (segment-wise, as router.ts).
    if (e.host?.startsWith("*.")) out.push(`  acl e${k}_host var(txn.bare) -m reg ^.+${literal(e.host.slice(1))}$`);
    else if (e.host !== undefined) out.push(`  acl e${k}_host var(txn.host) -m str ${e.host}`, `  acl e${k}_host var(txn.bare) -m str ${e.host}`);
    if (e.host !== undefined) conds.push(`e${k}_host`);
    if (e.r.pathPrefix !== "/") {
      out.push(`  acl e${k}_path path ${base}`, `  acl e${k}_path path_beg ${base}/`);
      conds.push(`e${k}_path`);
    }
    out.push(`  http-request set-var(txn.route) int(${e.i}) if ${conds.join(" ")}`);
  });
  return out;
}

/** One slot's upstream as HAProxy's `server` address and the Host header the Node proxy would send. */
function upstream(url: string): { addr: string; host: string; basePath: string; ssl: boolean } {
  const u = new URL(url);
  const ssl = u.protocol === "https:";
  const port = u.port || (ssl ? "443" : "80");
  const hostname = u.hostname.startsWith("[") ? `ipv6@${u.hostname.slice(1, -1)}` : u.hostname;
  return { addr: `${hostname}:${port}`, host: u.host, basePath: u.pathname === "/" ? "" : u.pathname.replace(/\/$/, ""), ssl };
}

/**
 * One slot's backend. Its server `<slot>` carries the traffic and is observed (`observe layer7`: consecutive 5xx,
 * resets, timeouts on real requests; `error-limit` in a row mark it down) and health-checked on the app's health
 * path. Being marked down is only the signal for the control plane, which alone decides a rollback (the warm slot
 * must be known healthy): `<slot>-on` is the same upstream as a `backup` server, so while the control plane keeps
 * the app on this slot (nowhere healthy to go), requests still reach the slot as they would through the Node proxy,
 * instead of HAProxy answering 503 for every request.
 */
function slotBackend(app: string, slot: Slot, a: AppUpstreams, o: HaproxyConfigInput): string[] {
  const u = upstream(a[slot]);
  const ssl = u.ssl ? ` ssl verify required ca-file @system-ca sni str(${new URL(a[slot]).hostname})` : "";
  const common = `${u.addr}${ssl} resolvers sys init-addr libc,none`;
  const observe = o.passive.enabled ? ` observe layer7 error-limit ${o.passive.consecutiveFailures} on-error mark-down` : "";
  const lines = [
    `backend ${backendName(app, slot)}`,
    // The client's address appended to X-Forwarded-For, as the Node proxy does.
    "  option forwardfor",
    "  option httpchk",
    `  http-check send meth GET uri ${a.healthPath} ver HTTP/1.1 hdr host ${u.host}`,
    "  http-check expect rstatus ^2[0-9][0-9]$",
    `  http-request set-header host ${u.host}`,
  ];
  if (u.basePath) lines.push(`  http-request set-path ${u.basePath}%[path]`);
  lines.push(
    `  http-response set-header x-edge-slot ${slot}`,
    "  log global",
    `  server ${slot} ${common} check inter ${o.checkIntervalMs} fall 3 rise 2${observe}`,
    `  server ${slot}-on ${common} backup`,
  );
  return lines;
}

/**
 * The HAProxy configuration of one edge instance: the public frontend, the control plane's backend (the edge's Node
 * server on loopback), and one backend per slot of each app. The app → backend map is a file HAProxy loads at start
 * and the control plane changes at run time with `set map` (never a reload).
 */
export function haproxyConfig(o: HaproxyConfigInput): string {
  const t = o.upstreamTimeoutMs;
  const bind = o.bindHost.includes(":") ? `[${o.bindHost}]` : o.bindHost;
  const lines = [
    "# Generated by the edge (apps/edge/data-plane/haproxy-config.ts) at every start; do not edit.",
    "global",
    // One thread: one core's worth, like the Node process it replaces (scale by instances).
    "  nbthread 1",
    `  stats socket ${o.socketPath} mode 600 level admin`,
    "  stats timeout 5s",
    "  hard-stop-after 60s",
    // Server state changes ("Server be_api_green/green is DOWN, …") go to the control plane at once; the backends
    // log them (`log global` there), the frontend logs nothing, so no request costs a log line.
    `  log 127.0.0.1:${o.eventsPort} len 1024 format raw local0 notice`,
    "",
    // One line per proxied request, read by the control plane for the edge's metrics (haproxy-request-log.ts); a
    // ring in HAProxy's memory, streamed over the runtime API: no file, no per-request datagram.
    `ring ${REQUEST_RING}`,
    "  format raw",
    "  maxlen 256",
    "  size 4194304",
    "",
    "resolvers sys",
    "  parse-resolv-conf",
    "  hold valid 10s",
    "",
    "defaults",
    "  mode http",
    "  option http-keep-alive",
    // Idle upstream connections are shared between client connections (never the first request of one).
    "  http-reuse safe",
    "  retries 2",
    `  timeout connect ${t}ms`,
    `  timeout server ${t}ms`,
    `  timeout queue ${t}ms`,
    "  timeout client 65s",
    "  timeout http-request 30s",
    "  timeout http-keep-alive 65s",
    // Closed before the slot servers close them (Node's default keep-alive timeout is 5 s).
    "  default-server pool-purge-delay 2s",
    "",
    "frontend public",
    `  bind ${bind}:${o.bindPort}`,
    "  http-request deny deny_status 405 if METH_CONNECT",
    // The Node edge does not proxy upgrades either.
    "  http-request deny deny_status 501 if { req.hdr(upgrade) -m found }",
    "  http-request set-header x-forwarded-host %[req.hdr(host)] unless { req.hdr(x-forwarded-host) -m found }",
    "  http-request set-header x-forwarded-proto http unless { req.hdr(x-forwarded-proto) -m found }",
    // The control plane's paths (the admin API, the extensions' public prefixes) go to the edge's Node server.
    "  acl cp_path path /__edge",
    "  acl cp_path path_beg /__edge/",
    ...o.controlPrefixes.map((p) => `  acl cp_path path_beg ${p}`),
    "  acl cp var(txn.cp) -m found",
    "  acl routed var(txn.route) -m found",
    "  http-request set-var(txn.cp) bool(true) if cp_path",
    `  log ring@${REQUEST_RING} local0 info`,
    `  log-format "${REQUEST_LOG_FORMAT}"`,
    // The control plane's own requests are not the apps' traffic (the Node proxy never counted them either).
    "  http-request set-log-level silent if cp",
    "  http-request set-var(txn.host) req.hdr(host),lower",
    "  http-request set-var(txn.bare) var(txn.host),regsub(:[0-9]+$,)",
    ...routeRules(o.routes),
    '  http-request return status 404 content-type text/plain string "no route for this host and path\\n" hdr x-edge no-route if !routed !cp',
  ];
  o.routes.forEach((r, i) => {
    const is = `{ var(txn.route) -m int ${i} }`;
    lines.push(`  http-request set-var(txn.app) str(${r.app}) if ${is}`);
    if (r.stripPrefix && r.pathPrefix !== "/") {
      const base = r.pathPrefix.replace(/\/$/, "");
      lines.push(`  http-request set-path / if ${is} { path ${base} }`, `  http-request set-path %[path,regsub(^${literal(base)}/,/)] if ${is}`);
    }
  });
  lines.push(
    "  use_backend control_plane if cp",
    `  use_backend %[var(txn.app),map(${o.mapPath})] if { var(txn.app) -m found }`,
    "  default_backend no_slot",
    "",
    "backend control_plane",
    // The control plane reads the client from the last X-Forwarded-For entry (vitals' rate limit), as the Node
    // data plane does: Render's proxy's entry when there is one, else the client's address. Appending HAProxy's
    // peer (Render's proxy) would put every client in one bucket.
    "  http-request set-header x-forwarded-for %[src] unless { req.hdr(x-forwarded-for) -m found }",
    // Server-sent event streams (OFREP) stay open; the control plane sends heartbeats.
    "  timeout server 1h",
    "  timeout tunnel 1h",
    `  server node 127.0.0.1:${o.controlPort}`,
    "",
    "backend no_slot",
    '  http-request return status 503 content-type text/plain string "no slot for this app\\n"',
    "",
  );
  for (const [app, a] of Object.entries(o.apps)) for (const slot of SLOTS) lines.push(...slotBackend(app, slot, a, o), "");
  return lines.join("\n");
}
