import type { Route } from "./config";

/** A route after compilation: its metrics name and matching data. */
export interface CompiledRoute extends Route {
  name: string;
}

/** A route match: the route and the path to send upstream. */
export interface RouteMatch {
  route: CompiledRoute;
  upstreamPath: string;
}

/**
 * Picks the route for a host and path: an exact host beats a wildcard host beats a host-less route; among those,
 * the longest matching path prefix wins (segment-wise).
 */
export class Router {
  private readonly routes: CompiledRoute[];

  constructor(routes: Route[]) {
    this.routes = routes.map((r) => ({ ...r, name: r.name ?? `${(r.hosts ?? ["*"]).join(",")}${r.pathPrefix}` }));
  }

  match(hostHeader: string | undefined, rawPath: string): RouteMatch | undefined {
    const host = (hostHeader ?? "").toLowerCase();
    const bare = host.replace(/:\d+$/, "");
    const q = rawPath.indexOf("?");
    const path = q === -1 ? rawPath : rawPath.slice(0, q);
    let best: { r: CompiledRoute; score: number } | undefined;
    for (const r of this.routes) {
      const hs = hostScore(r.hosts, host, bare);
      if (hs < 0 || !prefixMatches(r.pathPrefix, path)) continue;
      const score = hs * 10_000 + r.pathPrefix.length;
      if (!best || score > best.score) best = { r, score };
    }
    if (!best) return undefined;
    const r = best.r;
    let upstreamPath = rawPath;
    if (r.stripPrefix && r.pathPrefix !== "/") {
      const rest = rawPath.slice(r.pathPrefix.replace(/\/$/, "").length);
      upstreamPath = rest === "" || rest[0] === "?" ? `/${rest}` : rest;
    }
    return { route: r, upstreamPath };
  }
}

/** 3 exact host, 2 wildcard host, 1 any host, -1 no match. */
function hostScore(hosts: string[] | undefined, host: string, bare: string): number {
  if (!hosts) return 1;
  let score = -1;
  for (const h of hosts) {
    if (h === host || h === bare) return 3;
    if (h.startsWith("*.") && bare.endsWith(h.slice(1)) && bare.length > h.length - 1) score = 2;
  }
  return score;
}

function prefixMatches(prefix: string, path: string): boolean {
  if (prefix === "/") return true;
  const p = prefix.replace(/\/$/, "");
  return path === p || path.startsWith(`${p}/`);
}
