import type { IncomingMessage, ServerResponse } from "node:http";
import { FLAG_ADMIN_PREFIX, OverrideRequestSchema, type FlagEntryResponse } from "./admin-api";
import { BodyError, bearerOk, readJsonBody, sendJson } from "./http-json";
import type { FlagStore } from "./store";
import { FlagValidationError } from "./validate";

/** Options of {@link flagAdminHandler}. */
export interface FlagAdminHandlerOptions {
  /** The Bearer token (the edge's `EDGE_ADMIN_TOKEN`); empty refuses every call. */
  token: string | undefined;
  /** Clock for override timestamps (tests). */
  now?: () => Date;
  maxBodyBytes?: number;
  bodyTimeoutMs?: number;
}

/**
 * node:http handler for the flag admin API described in `admin-api.ts`. The edge mounts it next to
 * `ofrepHandler` and persists `store.snapshot()` from `store.onChange` (so a restart keeps kills):
 *
 * ```ts
 * const admin = flagAdminHandler(store, { token: process.env.EDGE_ADMIN_TOKEN });
 * http.createServer((req, res) => { if (admin(req, res) || ofrep(req, res)) return; proxy(req, res); });
 * ```
 *
 * Returns `false` for paths outside `/admin/flags`.
 */
export function flagAdminHandler(store: FlagStore, opts: FlagAdminHandlerOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const now = opts.now ?? (() => new Date());
  const limits = { maxBytes: opts.maxBodyBytes ?? 256 * 1024, timeoutMs: opts.bodyTimeoutMs ?? 5000 };
  const entry = (key: string): FlagEntryResponse | undefined => {
    const definition = store.definition(key);
    if (!definition) return undefined;
    const override = store.override(key);
    return { key, definition, ...(override ? { override } : {}), revision: store.revision };
  };
  const notFound = (res: ServerResponse, key: string) => sendJson(res, 404, { error: `no flag '${key}'` });

  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://edge");
    if (url.pathname !== FLAG_ADMIN_PREFIX && !url.pathname.startsWith(`${FLAG_ADMIN_PREFIX}/`)) return false;
    if (!bearerOk(req, opts.token)) {
      sendJson(res, 401, { error: "missing or wrong admin token (Authorization: Bearer <EDGE_ADMIN_TOKEN>)" }, { "www-authenticate": "Bearer" });
      return true;
    }
    const rest = url.pathname.slice(FLAG_ADMIN_PREFIX.length).split("/").filter(Boolean).map(decodeURIComponent);
    const [key, sub] = rest;
    const method = req.method ?? "GET";

    const run = async (): Promise<void> => {
      if (rest.length === 0 && method === "GET") {
        return sendJson(res, 200, { revision: store.revision, ...store.snapshot() });
      }
      if (key && rest.length === 1) {
        if (method === "GET") {
          const e = entry(key);
          return e ? sendJson(res, 200, e) : notFound(res, key);
        }
        if (method === "PUT") {
          store.upsertFlag(key, await readJsonBody(req, limits));
          return sendJson(res, 200, entry(key));
        }
        if (method === "DELETE") return store.removeFlag(key) ? sendJson(res, 204, undefined) : notFound(res, key);
      }
      if (key && sub === "override" && rest.length === 2) {
        if (!store.definition(key)) return notFound(res, key);
        if (method === "PUT") {
          const parsed = OverrideRequestSchema.safeParse(await readJsonBody(req, limits));
          if (!parsed.success) {
            const issues = parsed.error.issues.map((i) => ({ path: i.path.join(".") || "(body)", message: i.message }));
            return sendJson(res, 400, { error: "invalid override request: send {\"state\": \"off\" | \"on\"}", issues });
          }
          store.setOverride(key, { ...parsed.data, at: now().toISOString() });
          return sendJson(res, 200, entry(key));
        }
        if (method === "DELETE") {
          store.clearOverride(key);
          return sendJson(res, 200, entry(key));
        }
      }
      sendJson(res, 405, { error: `${method} ${url.pathname} is not part of the flag admin API` });
    };
    run().catch((err: unknown) => {
      if (err instanceof FlagValidationError) return sendJson(res, 400, { error: err.message, issues: err.issues });
      if (err instanceof BodyError) return sendJson(res, err.status, { error: err.message });
      sendJson(res, 500, { error: "internal error" });
    });
    return true;
  };
}
