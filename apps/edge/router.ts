import type { Route } from "./config";

/** A route after compilation: its metrics name and matching data. */
export interface CompiledRoute extends Route {
  name: string;
  /** `pathPrefix` without its trailing slash (computed once, not per request). */
  prefixBase: string;
}

/** A route match: the route and the path to send upstream. */
export interface RouteMatch {
  route: CompiledRoute;
  upstreamPath: string;
}

/**
 * Picks the route for a host and path: an exact host beats a wildcard host beats a host-less route; among those,
 * the longest matching path prefix wins (segment-wise). Runs on every proxied request: no regular expression and no
 * allocation beyond the match itself.
 */
export class Router {
  /** The routes as compiled (their metrics names), in configuration order. */
  readonly routes: CompiledRoute[];

  constructor(routes: Route[]) {
    this.routes = routes.map((r) => ({ ...r, name: r.name ?? `${(r.hosts ?? ["*"]).join(",")}${r.pathPrefix}`, prefixBase: r.pathPrefix.replace(/\/$/, "") }));
  }

  match(hostHeader: string | undefined, rawPath: string): RouteMatch | undefined {
    const host = hostHeader === undefined ? "" : hostHeader.toLowerCase();
    const bare = withoutPort(host);
    const q = rawPath.indexOf("?");
    const path = q === -1 ? rawPath : rawPath.slice(0, q);
    let best: CompiledRoute | undefined;
    let bestScore = -1;
    for (const r of this.routes) {
      const hs = hostScore(r.hosts, host, bare);
      if (hs < 0 || !prefixMatches(r, path)) continue;
      const score = hs * 10_000 + r.pathPrefix.length;
      if (score > bestScore) {
        best = r;
        bestScore = score;
      }
    }
    if (!best) return undefined;
    let upstreamPath = rawPath;
    if (best.stripPrefix && best.pathPrefix !== "/") {
      const rest = rawPath.slice(best.prefixBase.length);
      upstreamPath = rest === "" || rest[0] === "?" ? `/${rest}` : rest;
    }
    return { route: best, upstreamPath };
  }
}

/** The host without a trailing `:port` (as `/:\d+$/` would strip it). */
function withoutPort(host: string): string {
  const c = host.lastIndexOf(":");
  if (c === -1 || c === host.length - 1) return host;
  for (let i = c + 1; i < host.length; i++) {
    const ch = host.charCodeAt(i);
    if (ch < 48 || ch > 57) return host;
  }
  return host.slice(0, c);
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

function prefixMatches(r: CompiledRoute, path: string): boolean {
  if (r.pathPrefix === "/") return true;
  const p = r.prefixBase;
  return path === p || (path.startsWith(p) && path.charCodeAt(p.length) === 47);
}
