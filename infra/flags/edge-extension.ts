import type { IncomingMessage, ServerResponse } from "node:http";
import type { EdgeContext, EdgeExtension } from "../../apps/edge/extensions";
import type { EdgeState } from "../../apps/edge/state";
import { flagAdminHandler, type FlagAdminBackend } from "./admin-handler";
import { ofrepHandler, type OfrepHandlerOptions } from "./ofrep-handler";
import { FlagStore, FlagStoreSnapshotSchema, type FlagStoreSnapshot } from "./store";

/** The key of the flag section in the edge's shared state (`state.ext.flags`). */
export const FLAGS_EXT_KEY = "flags";

const EMPTY: FlagStoreSnapshot = { flags: { flags: {} }, overrides: {} };

/**
 * The edge extension that serves flags: OFREP publicly under `/ofrep/v1/`, the flag admin API under
 * `/__edge/flags/` (the edge has already checked the admin token). Definitions and kill-switch overrides live in the
 * edge's shared state document (`ext.flags`), so every change is persisted (Render env var or file, as the edge
 * persists its active slots) and pushed to every edge instance before the admin call returns; a restarted
 * instance starts with the kills in force.
 *
 * Mount it by returning it from `loadExtensions` in `apps/edge/extensions.ts`:
 * `return [flagsExtension({ allowOrigin: env.EDGE_FLAGS_ALLOW_ORIGIN })];`
 */
export function flagsExtension(opts: OfrepHandlerOptions & { now?: () => Date } = {}): EdgeExtension & { store(): FlagStore } {
  let store = new FlagStore();
  let ctx: EdgeContext | undefined;
  let loaded: unknown;

  const load = (state: EdgeState) => {
    const raw = state.ext[FLAGS_EXT_KEY];
    if (raw === loaded) return;
    loaded = raw;
    if (raw === undefined) return;
    const parsed = FlagStoreSnapshotSchema.safeParse(raw);
    if (!parsed.success) {
      // Keep serving the last good flags rather than dropping every kill switch on a bad document.
      ctx?.log(`flags: ignoring an invalid ext.flags section (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`);
      return;
    }
    store = FlagStore.fromSnapshot(parsed.data);
  };

  const backend: FlagAdminBackend = {
    store: () => store,
    mutate: async (change) => {
      if (!ctx) throw new Error("flags extension not started");
      let failure: unknown;
      await ctx.update((current) => {
        const draft = FlagStore.fromSnapshot(FlagStoreSnapshotSchema.catch(EMPTY).parse(current.ext[FLAGS_EXT_KEY] ?? EMPTY));
        try {
          change(draft);
        } catch (err) {
          failure = err;
          return undefined; // nothing to persist
        }
        return { ...current, version: current.version + 1, updatedAt: new Date().toISOString(), by: "flags", ext: { ...current.ext, [FLAGS_EXT_KEY]: draft.snapshot() } };
      });
      if (failure) throw failure;
      load(ctx.state());
    },
  };

  // The store is swapped on every change, so the handlers look it up per request.
  const ofrep = (req: IncomingMessage, res: ServerResponse) => ofrepHandler(store, opts)(req, res);
  const admin = flagAdminHandler(backend, { token: null, now: opts.now });

  return {
    name: "flags",
    publicPrefixes: ["/ofrep/v1/"],
    store: () => store,
    start(c) {
      ctx = c;
      load(c.state());
      c.onState((next) => load(next));
    },
    // A peer's document may only hold a flag section this edge can load (definitions validated as on PUT).
    verify(section) {
      try {
        FlagStore.fromSnapshot(section);
        return undefined;
      } catch (e) {
        return `not a valid flag section: ${(e as Error).message.split("\n")[0]}`;
      }
    },
    handle(req, res, where) {
      const handled = where.admin ? admin(req, res) : ofrep(req, res);
      if (!handled) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: `no flags endpoint ${where.path}` }));
      }
    },
  };
}
