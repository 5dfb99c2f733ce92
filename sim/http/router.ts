import type { SimApp } from "../app";
import type { Principal } from "../domain/users";

/** What one API handler sees. `body` is the parsed JSON with nulls dropped (Go semantics); `rawBody` is as sent. */
export interface Ctx {
  app: SimApp;
  method: string;
  /** The OpenAPI path template, e.g. `/services/{serviceId}`. */
  template: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: any;
  rawBody: unknown;
  /** JSON pointers of the fields sent as `null` (see `check`). */
  nulls: ReadonlySet<string>;
  /** Work to run after the request's transaction committed (data-plane calls, timers). */
  effects: Array<() => unknown>;
  /** The user the request's API key belongs to, with its workspace roles (sim/domain/users.ts). */
  principal?: Principal;
}

/** A handler's answer: status and optional JSON body (no body → no Content-Type, as Render sends 202/204). */
export interface Reply {
  status: number;
  body?: unknown;
}

type Handler = (ctx: Ctx) => Reply;

/** One route of Render's API. `validate: false` skips the generic OpenAPI body check (the handler checks). */
export interface Route {
  method: string;
  template: string;
  handler: Handler;
  validate?: boolean;
}

interface Compiled extends Route {
  re: RegExp;
  names: string[];
}

/** Matches `/v1`-relative paths against OpenAPI templates; literal segments win over parameters. */
export class Router {
  private readonly routes: Compiled[] = [];

  add(routes: Route[]): void {
    for (const r of routes) {
      const names: string[] = [];
      const re = new RegExp(
        "^" +
          r.template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{(\w+)\\?\}|\{(\w+)\}/g, (_m, a: string, b: string) => {
            names.push(a ?? b);
            return "([^/]+)";
          }) +
          "$",
      );
      this.routes.push({ ...r, re, names });
    }
    // Literal templates first so `/services/{id}/env-vars` never shadows a more specific literal path.
    this.routes.sort((a, b) => a.names.length - b.names.length);
  }

  /**
   * The matching route, `"method"` when only the method differs, or undefined. Never throws: a parameter whose
   * percent-encoding is not valid UTF-8 (`/services/%E0`) is named in `badParam`, for the caller to answer 400 once
   * the request is authenticated (Render authenticates before it looks at ids).
   */
  match(method: string, path: string): RouteMatch | "method" | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.re.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      const params: Record<string, string> = {};
      let badParam: string | undefined;
      r.names.forEach((n, i) => {
        const decoded = decodePathSegment(m[i + 1]);
        if (decoded === undefined) badParam ??= n;
        params[n] = decoded ?? m[i + 1];
      });
      return { route: r, params, ...(badParam ? { badParam } : {}) };
    }
    return pathMatched ? "method" : undefined;
  }
}

/** A matched route and its decoded path parameters. */
export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
  /** The first parameter whose percent-encoding is not valid UTF-8 (its raw text is in `params`). */
  badParam?: string;
}

/** `decodeURIComponent` without the throw: undefined for malformed escapes or bytes that are not UTF-8. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
