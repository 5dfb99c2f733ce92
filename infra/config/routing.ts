/**
 * The edge's routing table as the stack config declares it: which hosts and path prefixes reach which app. One pure
 * function, used twice: by the config schema to validate the table before anything is deployed, and by the program
 * to build the edge's `EDGE_ROUTES` (apps/edge/config.ts `RouteSchema`), so what is checked is what is deployed.
 */

import { AlphaStackHosts } from "./alphastack-urls";

/** The parts of an app that routing reads (blue/green apps and static sites; workers take no traffic). */
export interface RoutableApp {
  kind: string;
  hosts?: readonly string[];
  pathPrefixes?: readonly string[];
}

/** One edge route, in the shape `EDGE_ROUTES` accepts. */
export interface EdgeRoute {
  app: string;
  /** Omitted: any host (the route matches on its path prefix alone). */
  hosts?: string[];
  pathPrefix: string;
}

/**
 * Path prefixes the edge matches segment by segment: `/` or `/seg(/seg)*`, no empty, `.` or `..` segment, no trailing
 * slash (it would never match the bare prefix), no query or fragment.
 */
const PATH_PREFIX = /^\/$|^(\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+$/;

/**
 * The routes of a stack, in declaration order. A blue/green app with hosts and prefixes gets one route per prefix on
 * those hosts; with hosts only, its hosts at `/`; with prefixes only, those prefixes on any host; with neither, the
 * prefix `/<app>` on any host (so a declared app is always reachable). A static site is routed by its hosts.
 */
export function edgeRoutes(apps: Readonly<Record<string, RoutableApp>>): EdgeRoute[] {
  const routes: EdgeRoute[] = [];
  for (const [app, a] of Object.entries(apps)) {
    if (a.kind !== "blueGreen" && a.kind !== "static") continue;
    const hosts = a.hosts?.length ? [...a.hosts] : undefined;
    const prefixes = a.kind === "blueGreen" ? (a.pathPrefixes ?? []) : [];
    if (a.kind === "static" && !hosts) continue;
    if (prefixes.length) for (const pathPrefix of prefixes) routes.push({ app, ...(hosts ? { hosts } : {}), pathPrefix });
    else if (hosts) routes.push({ app, hosts, pathPrefix: "/" });
    else routes.push({ app, pathPrefix: `/${app}` });
  }
  return routes;
}

/** A routing problem: where in the config (`apps.<name>.hosts`…) and what to do about it. */
export interface RoutingProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Validates a routing table: every routed host is a custom domain of the edge or declared internal; no host is
 * routed to two apps; every prefix is well formed and no (host, prefix) pair is routed twice.
 */
export function routingProblems(
  apps: Readonly<Record<string, RoutableApp>>,
  edge: { domains: readonly string[]; internalHosts?: readonly string[] },
  alphaStack?: AlphaStackRouting,
): RoutingProblem[] {
  const problems: RoutingProblem[] = [];
  if (alphaStack) problems.push(...alphaStackRoutingProblems(apps, edge, alphaStack));
  const known = new Set([...edge.domains, ...(edge.internalHosts ?? [])]);
  const hostOwner = new Map<string, string>();
  for (const [name, a] of Object.entries(apps)) {
    if (a.kind !== "blueGreen" && a.kind !== "static") continue;
    (a.hosts ?? []).forEach((host, i) => {
      if (!known.has(host)) {
        problems.push({
          path: ["apps", name, "hosts", i],
          message: `host ${host} is routed by the edge but is not one of edge.domains or edge.internalHosts: add it to edge.domains (a public custom domain) or edge.internalHosts (reached only on the private network)`,
        });
      }
      const other = hostOwner.get(host);
      if (other !== undefined && other !== name) {
        problems.push({ path: ["apps", name, "hosts", i], message: `host ${host} is already routed to app '${other}': each host routes to one app` });
      } else if (other === name) {
        problems.push({ path: ["apps", name, "hosts", i], message: `host ${host} is listed twice for this app: remove the duplicate` });
      }
      hostOwner.set(host, name);
    });
    if (a.kind === "blueGreen") {
      (a.pathPrefixes ?? []).forEach((p, i) => {
        if (!PATH_PREFIX.test(p)) {
          problems.push({
            path: ["apps", name, "pathPrefixes", i],
            message: `path prefix ${JSON.stringify(p)} is malformed: use '/' or '/segment/…' without a trailing '/', empty, '.' or '..' segments, query or fragment`,
          });
        }
      });
    }
  }
  const seen = new Map<string, string>();
  for (const r of edgeRoutes(apps)) {
    for (const h of r.hosts ?? ["*"]) {
      const key = `${h}|${r.pathPrefix}`;
      const other = seen.get(key);
      // A host shared by two apps is reported above, once; here: host-less prefixes and an app's own repeats.
      if (other !== undefined && (h === "*" || other === r.app)) {
        problems.push({
          path: ["apps", r.app, r.hosts ? "hosts" : "pathPrefixes"],
          message: `${h === "*" ? "any host" : `host ${h}`} with path prefix ${r.pathPrefix} is already routed${other === r.app ? " by this app" : ` to app '${other}'`}: remove one`,
        });
      }
      seen.set(key, r.app);
    }
  }
  return problems;
}

/** What the routing schema knows of AlphaStack (`stackguard:alphaStack`): its ids and domains. */
export interface AlphaStackRouting {
  services?: readonly string[];
  envGroups?: readonly string[];
  databases?: readonly string[];
  environmentId?: string;
  domains?: readonly string[];
}

/** AlphaStack's Render service names: its services are reachable as `<name>` (private network) and `<name>[-xxxx].onrender.com`. */
const ALPHASTACK_SERVICE_NAMES: readonly string[] = ["alphastack-engine", "alphastack-worker", "alphastack-db", "alphastack-env"];

/** AlphaStack's addresses from its stack config, in every spelling (see {@link AlphaStackHosts}). */
function alphaStackHostsOf(a: AlphaStackRouting, extraAddresses: readonly string[] = []): AlphaStackHosts {
  return new AlphaStackHosts({
    domains: ["engine.alphastack.example", ...(a.domains ?? [])],
    ids: [...(a.services ?? []), ...(a.envGroups ?? []), ...(a.databases ?? []), ...(a.environmentId ? [a.environmentId] : [])],
    names: ALPHASTACK_SERVICE_NAMES,
    addresses: extraAddresses,
  });
}

/**
 * The edge never routes AlphaStack's hosts and never sends our traffic to AlphaStack: a routed host, an edge domain
 * or an internal host that is AlphaStack's (its domains and their subdomains, its Render ids, its service names as
 * private-network or onrender.com hosts; compared after normalizing case and trailing dots) is refused.
 */
export function alphaStackRoutingProblems(
  apps: Readonly<Record<string, RoutableApp>>,
  edge: { domains: readonly string[]; internalHosts?: readonly string[] },
  alphaStack: AlphaStackRouting,
): RoutingProblem[] {
  const hosts = alphaStackHostsOf(alphaStack);
  const problems: RoutingProblem[] = [];
  const check = (host: string, at: (string | number)[]): void => {
    const why = hosts.match(host);
    if (why)
      problems.push({ path: at, message: `host ${host} is AlphaStack's (${why}): the edge never routes AlphaStack's hosts or sends traffic to it; remove it` });
  };
  edge.domains.forEach((h, i) => check(h, ["edge", "domains", i]));
  (edge.internalHosts ?? []).forEach((h, i) => check(h, ["edge", "internalHosts", i]));
  for (const [name, a] of Object.entries(apps)) (a.hosts ?? []).forEach((h, i) => check(h, ["apps", name, "hosts", i]));
  return problems;
}

/**
 * Problems of an edge upstream table (`EDGE_APPS`: app → `{blue, green}` base URLs): a slot URL that is AlphaStack's
 * (by host name, id, onrender.com slug, or one of `addresses`, e.g. the URLs its services report) would send a path
 * of our hosts to AlphaStack.
 */
export function upstreamProblems(
  edgeApps: Readonly<Record<string, { blue?: string; green?: string }>>,
  alphaStack: AlphaStackRouting,
  addresses: readonly string[] = [],
): RoutingProblem[] {
  const hosts = alphaStackHostsOf(alphaStack, addresses);
  const problems: RoutingProblem[] = [];
  for (const [app, slots] of Object.entries(edgeApps)) {
    for (const slot of ["blue", "green"] as const) {
      const url = slots[slot];
      const why = url ? hosts.matchUrl(url) : undefined;
      if (why)
        problems.push({
          path: [app, slot],
          message: `app ${app}'s ${slot} slot ${url} is AlphaStack (${why}): the edge must never send our traffic to AlphaStack; point the slot at this project's own service`,
        });
    }
  }
  return problems;
}
