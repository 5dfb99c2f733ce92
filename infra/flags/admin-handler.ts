import type { IncomingMessage, ServerResponse } from "node:http";
import { FLAG_ADMIN_PREFIX, OverrideRequestSchema, type FlagEntryResponse } from "./admin-api";
import { BodyError, bearerOk, readJsonBody, sendJson } from "../edge-contract/http";
import { FlagStore } from "./store";
import { FlagValidationError } from "./validate";

/**
 * Where admin changes are applied. Stand-alone, a change mutates the store in place; in the edge, it is applied to
 * the replicated state document (persisted, fanned out to every instance) and the store follows that document.
 */
export interface FlagAdminBackend {
  /** The store reads are served from. */
  store(): FlagStore;
  /** Applies `change` (which may throw a FlagValidationError: then nothing changes) and makes it durable. */
  mutate(change: (draft: FlagStore) => void): Promise<void>;
}

/** A backend that mutates `store` directly (tests, single-process use). */
export function inPlaceBackend(store: FlagStore): FlagAdminBackend {
  return {
    store: () => store,
    mutate: async (change) => {
      const draft = FlagStore.fromSnapshot(store.snapshot());
      change(draft); // validate on a copy first, so a refused change leaves the live store untouched
      change(store);
    },
  };
}

/** Options of {@link flagAdminHandler}. */
export interface FlagAdminHandlerOptions {
  /** The Bearer token (the edge's `EDGE_ADMIN_TOKEN`); empty refuses every call. `null`: already checked by the caller. */
  token: string | undefined | null;
  /** Clock for override timestamps (tests). */
  now?: () => Date;
  maxBodyBytes?: number;
  bodyTimeoutMs?: number;
}

/**
 * node:http handler for the flag admin API described in `admin-api.ts`. In the edge it runs inside the `flags`
 * extension (`edge-extension.ts`), which persists and replicates every change; stand-alone:
 *
 * ```ts
 * const admin = flagAdminHandler(store, { token: process.env.EDGE_ADMIN_TOKEN });
 * http.createServer((req, res) => { if (admin(req, res) || ofrep(req, res)) return; proxy(req, res); });
 * ```
 *
 * Returns `false` for paths outside `/__edge/flags`.
 */
export function flagAdminHandler(target: FlagStore | FlagAdminBackend, opts: FlagAdminHandlerOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const backend = target instanceof FlagStore ? inPlaceBackend(target) : target;
  const now = opts.now ?? (() => new Date());
  const limits = { maxBytes: opts.maxBodyBytes ?? 256 * 1024, timeoutMs: opts.bodyTimeoutMs ?? 5000 };
  const entry = (key: string): FlagEntryResponse | undefined => {
    const store = backend.store();
    const definition = store.definition(key);
    if (!definition) return undefined;
    const override = store.override(key);
    return { key, definition, ...(override ? { override } : {}), revision: store.revision };
  };
  const notFound = (res: ServerResponse, key: string) => sendJson(res, 404, { error: `no flag '${key}'` });

  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://edge");
    if (url.pathname !== FLAG_ADMIN_PREFIX && !url.pathname.startsWith(`${FLAG_ADMIN_PREFIX}/`)) return false;
    if (opts.token !== null && !bearerOk(req, opts.token)) {
      sendJson(res, 401, { error: "missing or wrong admin token (Authorization: Bearer <EDGE_ADMIN_TOKEN>)" }, { "www-authenticate": "Bearer" });
      return true;
    }
    const rest = url.pathname.slice(FLAG_ADMIN_PREFIX.length).split("/").filter(Boolean).map(decodeURIComponent);
    const [key, sub] = rest;
    const method = req.method ?? "GET";

    const store = backend.store();
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
          const body = await readJsonBody(req, limits);
          await backend.mutate((s) => s.upsertFlag(key, body));
          return sendJson(res, 200, entry(key));
        }
        if (method === "DELETE") {
          if (!store.definition(key)) return notFound(res, key);
          await backend.mutate((s) => void s.removeFlag(key));
          return sendJson(res, 204, undefined);
        }
      }
      if (key && sub === "override" && rest.length === 2) {
        if (!store.definition(key)) return notFound(res, key);
        if (method === "PUT") {
          const parsed = OverrideRequestSchema.safeParse(await readJsonBody(req, limits));
          if (!parsed.success) {
            const issues = parsed.error.issues.map((i) => ({ path: i.path.join(".") || "(body)", message: i.message }));
            return sendJson(res, 400, { error: 'invalid override request: send {"state": "off" | "on"}', issues });
          }
          const override = { ...parsed.data, at: now().toISOString() };
          await backend.mutate((s) => s.setOverride(key, override));
          return sendJson(res, 200, entry(key));
        }
        if (method === "DELETE") {
          if (store.override(key)) await backend.mutate((s) => void s.clearOverride(key));
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
