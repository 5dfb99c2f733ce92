import type { IncomingMessage, ServerResponse } from "node:http";
import type { EdgeContext, EdgeExtension } from "../edge-contract/extensions";
import type { EdgeState } from "../edge-contract/state";
import { flagAdminHandler, type FlagAdminBackend } from "./admin-handler";
import { FlagEventHub, OFREP_EVENTS_PATH, parseFlagConfigEtag, type FlagEventHubOptions } from "./ofrep-events";
import { ofrepHandler, type OfrepHandlerOptions } from "./ofrep-handler";
import { FlagStore, FlagStoreSnapshotSchema, type FlagStoreSnapshot } from "./store";

/** The key of the flag section in the edge's shared state (`state.ext.flags`). */
export const FLAGS_EXT_KEY = "flags";

const EMPTY: FlagStoreSnapshot = { flags: { flags: {} }, overrides: {} };

/** Options of {@link flagsExtension}. */
export interface FlagsExtensionOptions extends OfrepHandlerOptions {
  now?: () => Date;
  /** The pushed-changes stream (`GET /ofrep/v1/events`); `false` turns it off (clients then poll). */
  events?: FlagEventHubOptions | false;
  /**
   * How long a bulk evaluation that names a change this instance has not received yet (`flagConfigEtag` from an
   * event of another instance) waits for it (default 2000 ms); then it answers with what it holds.
   */
  catchUpMs?: number;
}

/** Bulk requests waiting for this instance to catch up at once; more are answered at once (bounded memory). */
const MAX_WAITERS = 1000;

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
export function flagsExtension(opts: FlagsExtensionOptions = {}): EdgeExtension & { store(): FlagStore; events(): FlagEventHub | undefined } {
  let store = new FlagStore();
  let ctx: EdgeContext | undefined;
  let loaded: unknown;
  const cors: Record<string, string> = opts.allowOrigin ? { "access-control-allow-origin": opts.allowOrigin, vary: "Origin" } : {};
  const hub = opts.events === false ? undefined : new FlagEventHub({ cors, ...opts.events });
  // Bulk requests waiting for a state version this instance does not hold yet.
  const waiters = new Set<{ version: number; done: () => void }>();
  // The store already built for a section (by a local change, or by verifying a peer's push): building one costs
  // milliseconds (schema validation, flagd-core), and a kill switch's path to the apps should not pay it twice.
  let prepared: { section: unknown; store: FlagStore } | undefined;

  const load = (state: EdgeState) => {
    for (const w of [...waiters]) if (state.version >= w.version) w.done();
    const raw = state.ext[FLAGS_EXT_KEY];
    if (raw === loaded) return;
    loaded = raw;
    if (raw === undefined) return;
    const before = store.revision;
    if (prepared?.section === raw) {
      store = prepared.store;
    } else {
      const parsed = FlagStoreSnapshotSchema.safeParse(raw);
      if (!parsed.success) {
        // Keep serving the last good flags rather than dropping every kill switch on a bad document.
        ctx?.log(`flags: ignoring an invalid ext.flags section (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`);
        return;
      }
      store = FlagStore.fromSnapshot(parsed.data);
    }
    prepared = undefined;
    // Every instance pushes to its own subscribers when it applies a change (local, peer push or store poll).
    if (store.revision !== before) hub?.publish({ version: state.version, revision: store.revision, at: new Date() });
  };

  /**
   * An event from instance A can reach a client whose re-fetch lands on instance B before A's push did: B then
   * waits (bounded) until it holds the announced version, so the client never re-reads the old value.
   */
  const catchUp = (url: URL): Promise<void> => {
    const want = parseFlagConfigEtag(url.searchParams.get("flagConfigEtag"));
    if (!want || !ctx || ctx.state().version >= want.version || want.revision === store.revision || waiters.size >= MAX_WAITERS) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const w = {
        version: want.version,
        done: () => {
          clearTimeout(timer);
          waiters.delete(w);
          resolve();
        },
      };
      const timer = setTimeout(w.done, opts.catchUpMs ?? 2000);
      waiters.add(w);
    });
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
        const section = draft.snapshot();
        prepared = { section, store: draft };
        return {
          ...current,
          version: current.version + 1,
          updatedAt: new Date().toISOString(),
          by: "flags",
          ext: { ...current.ext, [FLAGS_EXT_KEY]: section },
        };
      });
      if (failure) throw failure;
      load(ctx.state());
    },
  };

  // The store is swapped on every change, so the handler looks it up per request (after any catch-up wait).
  const ofrep: (req: IncomingMessage, res: ServerResponse) => boolean = ofrepHandler(() => store, {
    ...opts,
    ...(hub ? { eventStreams: [hub.advertisement()], beforeBulk: catchUp } : {}),
  });
  const admin = flagAdminHandler(backend, { token: null, now: opts.now });

  return {
    name: "flags",
    publicPrefixes: ["/ofrep/v1/"],
    store: () => store,
    events: () => hub,
    start(c) {
      ctx = c;
      load(c.state());
      c.onState((next) => load(next));
    },
    // A peer's document may only hold a flag section this edge can load (definitions validated as on PUT).
    verify(section) {
      try {
        prepared = { section, store: FlagStore.fromSnapshot(section) };
        return undefined;
      } catch (e) {
        return `not a valid flag section: ${(e as Error).message.split("\n")[0]}`;
      }
    },
    stop() {
      hub?.close();
      for (const w of [...waiters]) w.done();
    },
    handle(req, res, where) {
      if (!where.admin && hub && where.path === OFREP_EVENTS_PATH && req.method !== "OPTIONS") return hub.handle(req, res);
      const handled = where.admin ? admin(req, res) : ofrep(req, res);
      if (!handled) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: `no flags endpoint ${where.path}` }));
      }
    },
  };
}
