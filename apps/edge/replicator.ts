import type { Slot } from "./config";
import { fanout, type FanoutResult, type PeerDiscovery, type PushSigner } from "./peers";
import { docId, includes, isNewer, parseState, sameState, seal, withApps, type EdgeState } from "./state";
import { hasCompareAndSet, type CasStore, type StateStore } from "./stores";

/** What `Replicator.update` did. */
export interface UpdateResult {
  changed: boolean;
  state: EdgeState;
  /** Present when the change was pushed to peers. */
  peers?: FanoutResult;
}

/** What this instance answers a peer's push: it holds the pushed document (or a later one made on top of it), or not. */
export type ReceiveResult = { included: true; state: EdgeState } | { included: false; state: EdgeState };

/** Options of the replicator. */
export interface ReplicatorOptions {
  store: StateStore;
  peers: PeerDiscovery;
  instanceId: string;
  /** Authenticates this instance's pushes to its peers. */
  signer: PushSigner;
  apps: string[];
  /** `EDGE_ACTIVE` from the environment: the starting point when the store holds nothing newer. */
  initial: unknown;
  /** Called whenever the local document changes (from a local update, a peer push or the sync poll). */
  onApply: (next: EdgeState, prev: EdgeState) => Promise<void> | void;
  /**
   * Checks a pushed document against the one it claims to follow; returns why it is refused, or undefined. Peers'
   * documents are only ever adopted through this check (the durable store is trusted: only edges write it).
   */
  verifyTransition?: (prev: EdgeState, next: EdgeState) => string | undefined;
  fanoutTimeoutMs: number;
  log: (msg: string) => void;
  /**
   * The switch barrier of a store with compare-and-set (Key Value): who must confirm a write, and waiting for them.
   * Required with such a store; the peer fan-out is then not used.
   */
  barrier?: WriteBarrier;
}

/** Confirms that the other live instances hold a write (see `key-value-bus.ts`). */
interface WriteBarrier {
  /** The other instances live now; read before the write, so each of them hears the write's notice. */
  audience(): Promise<string[]>;
  /** Waits until each of `audience` confirmed it holds `id`, bounded by `timeoutMs`. */
  awaitAcks(id: string, audience: string[], timeoutMs: number): Promise<FanoutResult>;
}

/** Thrown by `update` when a write could not be reconciled with concurrent writes in time (answer 503: retry). */
class WriteConflictError extends Error {}

/** How many times a write is rebased over concurrent writes before the caller is asked to retry. */
const MAX_REBASES = 8;

/**
 * Keeps this instance's copy of the shared state, and the copies of its peers, in step.
 *
 * A change is made under a local lock held only for local work: re-read the store (so versions grow monotonically
 * across instances), apply the mutation, persist it (durable before anyone acts on it: a restart never loses an
 * acknowledged switch), apply it here. The lock is released **before** the push to the peers (the switch barrier):
 * holding it across the push made two instances taking writes at once wait on each other until the push timed
 * out (issue 12: 7 s per write, so a `pulumi up` creating many rules failed at its 15 s client timeout).
 *
 * Documents form a chain (`id`, `parent`, `lineage`). A peer adopts a push only when it is the next version of the
 * document it holds; otherwise it re-reads the store, and answers 409 with what it holds when that still does not
 * include the push. Two instances that wrote the same version at once (the store has no compare-and-set) see each
 * other's 409 and reconcile the same way: the newest document, the store's on a tie, wins; the writer whose
 * document lost re-applies its mutation on top of the winner and pushes again. So every acknowledged write ends up
 * in the document everyone holds. A periodic poll of the store is the safety net for a peer that missed a push.
 */
export class Replicator {
  private doc!: EdgeState;
  private lock: Promise<unknown> = Promise.resolve();
  private syncTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly o: ReplicatorOptions) {}

  /** The current document (treat as read-only). */
  get state(): EdgeState {
    return this.doc;
  }

  /** Loads the starting state: the store's document, or `EDGE_ACTIVE`, whichever is newer. Throws on bad data. */
  async init(): Promise<void> {
    const fromEnv = parseState(this.o.initial, "EDGE_ACTIVE");
    let doc = fromEnv;
    const stored = await this.o.store.load();
    if (stored !== undefined) {
      const fromStore = parseState(stored, `${this.o.store.kind} store`);
      if (!isNewer(fromEnv, fromStore)) doc = fromStore;
    }
    const fallback = fromEnv.active as Record<string, Slot>;
    this.doc = withApps(doc, this.o.apps, fallback);
    await this.o.onApply(this.doc, this.doc);
  }

  /** Serialises `fn` after every earlier locked call. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Persists and applies `mutate(base)` as the child of `base`; undefined when the mutation changes nothing. */
  private async commit(base: EdgeState, mutate: (current: EdgeState) => EdgeState | undefined): Promise<EdgeState | undefined> {
    const out = mutate(base);
    if (!out) return undefined;
    const next = seal(out, base, this.o.instanceId);
    await this.o.store.save(next);
    await this.adopt(next);
    return next;
  }

  /**
   * Applies `mutate` to the latest state. `mutate` returns the next document, or `undefined` for "no change" (the
   * call is then a no-op: idempotent switches). It may run more than once (when a concurrent write on another
   * instance won, it is re-applied on top of that write), so it must be a pure function of its input. Throws, with
   * nothing changed anywhere, when the store write fails.
   */
  async update(mutate: (current: EdgeState) => EdgeState | undefined): Promise<UpdateResult> {
    const store = this.o.store;
    if (hasCompareAndSet(store)) return this.updateWithCas(store, mutate);
    // The peer list is read while the write is persisted, so the push leaves as soon as the write is durable
    // (listing after it put a directory read or a DNS lookup on every kill switch's path to the other instances'
    // apps). Peers that appear meanwhile are pushed to as well, once the first push is out (see `pushToPeers`).
    const early = this.listPeers();
    const first = await this.locked(async () => {
      await this.pullFromStore();
      return this.commit(this.doc, mutate);
    });
    if (!first) return { changed: false, state: this.doc };
    let mine = first;
    for (let attempt = 0; ; attempt++) {
      const pushed = await this.pushToPeers(mine, attempt === 0 ? early : this.listPeers());
      const peers: FanoutResult = { total: pushed.total, acked: pushed.acked, failed: pushed.failed };
      if (pushed.conflicts.length === 0) {
        if (peers.failed.length)
          this.o.log(
            `state v${mine.version}: ${peers.failed.length} of ${peers.total} peer(s) did not confirm (${peers.failed.map((f) => `${f.url}: ${f.error}`).join("; ")}); they converge through the store poll`,
          );
        return { changed: true, state: mine, peers };
      }
      if (attempt >= MAX_REBASES) {
        throw new WriteConflictError(
          `state v${mine.version}: still conflicting with concurrent writes after ${MAX_REBASES} attempts; nothing was lost for certain, retry the call`,
        );
      }
      // Someone wrote the same version at once. Settle on one document and put this write on top of it if needed.
      const written = docId(mine);
      mine = await this.locked(() => this.reconcile(written, mine, pushed.conflicts, mutate));
      // A short random pause, so two instances reconciling at once do not keep crossing each other.
      await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 20 * (attempt + 1))));
    }
  }

  /**
   * `update` on a store with compare-and-set: the store orders concurrent writers (a write lands only on the
   * document its writer read; the loser re-reads and re-applies its mutation), so there is nothing to reconcile
   * afterwards. Then every instance that was live when the write started confirms it (the barrier), each after its
   * requests to the old slot drained.
   */
  private async updateWithCas(store: CasStore, mutate: (current: EdgeState) => EdgeState | undefined): Promise<UpdateResult> {
    const barrier = this.o.barrier;
    if (!barrier) throw new Error(`the ${store.kind} store needs a write barrier`);
    const audience = barrier.audience();
    audience.catch(() => undefined);
    const written = await this.locked(async () => {
      for (let attempt = 0; attempt <= MAX_REBASES; attempt++) {
        const expected = await this.pullFromStore();
        const out = mutate(this.doc);
        if (!out) return undefined;
        const next = seal(out, this.doc, this.o.instanceId);
        if (await store.compareAndSet(next, docId(next), expected)) {
          await this.adopt(next);
          return next;
        }
        // Another instance wrote first: the next round reads its write and applies the mutation on top of it.
      }
      throw new WriteConflictError(`still conflicting with concurrent writes after ${MAX_REBASES} attempts; nothing was written, retry the call`);
    });
    if (!written) return { changed: false, state: this.doc };
    const peers = await barrier.awaitAcks(docId(written), await audience.catch(() => []), this.o.fanoutTimeoutMs);
    if (peers.failed.length)
      this.o.log(
        `state v${written.version}: ${peers.failed.length} of ${peers.total} instance(s) did not confirm (${peers.failed.map((f) => `${f.url}: ${f.error}`).join("; ")}); they converge through the store poll`,
      );
    return { changed: true, state: written, peers };
  }

  /** The peers now. A discovery failure still fails the call when awaited (as before), never as an unhandled rejection. */
  private listPeers(): Promise<string[]> {
    const p = this.o.peers.list();
    p.catch(() => undefined);
    return p;
  }

  /**
   * Pushes `doc` to the peers of `listed` (read while `doc` was being persisted) at once, and to any peer a fresh
   * listing, taken once `doc` is durable, adds: every peer known after the write was made durable gets it, exactly
   * as when the list was only read then, but the first push does not wait for that listing.
   */
  private async pushToPeers(doc: EdgeState, listed: Promise<string[]>): Promise<FanoutResult & { conflicts: unknown[] }> {
    const fresh = this.listPeers();
    const known = await listed;
    const [first, later] = await Promise.all([
      fanout(known, doc, this.o.signer, this.o.fanoutTimeoutMs),
      fresh.then((urls) => {
        const added = urls.filter((u) => !known.includes(u));
        return added.length ? fanout(added, doc, this.o.signer, this.o.fanoutTimeoutMs) : undefined;
      }),
    ]);
    if (!later) return first;
    return {
      total: first.total + later.total,
      acked: first.acked + later.acked,
      failed: [...first.failed, ...later.failed],
      conflicts: [...first.conflicts, ...later.conflicts],
    };
  }

  /**
   * After a conflicting push: the newest of what this instance holds, what the peers answered and what the store
   * holds (the store's on equal versions, as the poll would decide) becomes the base. When the base already
   * includes our write (`written`), it is what we push next (persisted if the store lacks it); otherwise the
   * mutation is re-applied on top of it.
   */
  private async reconcile(written: string, mine: EdgeState, conflicts: unknown[], mutate: (current: EdgeState) => EdgeState | undefined): Promise<EdgeState> {
    const stored = await this.o.store.load();
    const fromStore = stored === undefined ? undefined : this.complete(parseState(stored, `${this.o.store.kind} store`));
    let base = this.doc;
    for (const raw of conflicts) {
      try {
        const d = this.complete(parseState(raw, "peer answer"));
        if (isNewer(d, base)) base = d;
      } catch {
        // An answer that is not a state document: ignore it.
      }
    }
    if (fromStore && fromStore.version >= base.version) base = fromStore;
    if (docId(base) !== docId(this.doc)) await this.adopt(base);
    if (includes(base, written)) {
      if (!fromStore || !includes(fromStore, docId(base))) await this.o.store.save(base);
      return base;
    }
    this.o.log(`state v${mine.version}: a concurrent write won (v${base.version} by ${base.by}); re-applying this change on top of it`);
    return (await this.commit(base, mutate)) ?? base;
  }

  /**
   * A document pushed by a peer. Adopted only when it is the next version of the one held here (and passes
   * `verifyTransition`); anything else is never adopted as is: this instance re-reads the durable store and answers
   * whether it now holds the pushed write. Throws `Error` (400) for a malformed document and `TransitionRefused`
   * for one that breaks a rule.
   */
  receive(raw: unknown): Promise<ReceiveResult> {
    const doc = parseState(raw, "peer state");
    return this.locked(async () => {
      const id = docId(doc);
      if (includes(this.doc, id)) return { included: true, state: this.doc };
      if (doc.version === this.doc.version + 1 && doc.parent === docId(this.doc)) {
        const why = this.o.verifyTransition?.(this.doc, doc);
        if (why) throw new TransitionRefused(why);
        await this.adopt(this.complete(doc));
        return { included: true, state: this.doc };
      }
      await this.pullFromStore();
      return { included: includes(this.doc, id), state: this.doc } as ReceiveResult;
    });
  }

  /** Re-reads the store now (the poll's body). */
  sync(): Promise<void> {
    return this.locked(async () => {
      await this.pullFromStore();
    });
  }

  private complete(doc: EdgeState): EdgeState {
    return withApps(doc, this.o.apps, this.doc.active as Record<string, Slot>);
  }

  /**
   * Adopts the stored document when it supersedes the one held here; returns the stored document's id (undefined:
   * nothing stored). On a store with compare-and-set that lost its data (a Key Value restart without persistence,
   * a flushed instance), the newest document an instance holds is written back, so a restart of the store never
   * loses a switch while one instance remembers it.
   */
  private async pullFromStore(): Promise<string | undefined> {
    const store = this.o.store;
    const stored = await store.load();
    if (stored === undefined) {
      if (hasCompareAndSet(store) && this.doc.version > 0 && (await store.compareAndSet(this.doc, docId(this.doc), undefined))) {
        this.o.log(`the ${store.kind} store was empty: wrote back the state held here (v${this.doc.version})`);
        return docId(this.doc);
      }
      return hasCompareAndSet(store) ? this.pullStoredOnly(store) : undefined;
    }
    const doc = this.complete(parseState(stored, `${store.kind} store`));
    if (hasCompareAndSet(store) && doc.version < this.doc.version && includes(this.doc, docId(doc))) {
      // The store went back in time (restored from a snapshot older than the last writes): write back what is held here.
      if (await store.compareAndSet(this.doc, docId(this.doc), docId(doc))) {
        this.o.log(`the ${store.kind} store held v${doc.version}, older than the state held here: wrote back v${this.doc.version}`);
        return docId(this.doc);
      }
      return this.pullStoredOnly(store);
    }
    if (doc.version > this.doc.version || (doc.version === this.doc.version && !sameState(doc, this.doc))) await this.adopt(doc);
    return docId(doc);
  }

  /** After a lost write-back race: whatever the winner stored. */
  private async pullStoredOnly(store: CasStore): Promise<string | undefined> {
    const stored = await store.load();
    if (stored === undefined) return undefined;
    const doc = this.complete(parseState(stored, `${store.kind} store`));
    if (isNewer(doc, this.doc)) await this.adopt(doc);
    return docId(doc);
  }

  private async adopt(next: EdgeState): Promise<void> {
    const prev = this.doc;
    this.doc = next;
    await this.o.onApply(next, prev);
  }

  /** Starts the periodic store poll. */
  startSync(intervalMs: number): void {
    const tick = () => {
      if (this.stopped) return;
      this.sync()
        .catch((e) => this.o.log(`state poll failed: ${(e as Error).message}`))
        .finally(() => {
          if (!this.stopped) this.syncTimer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.syncTimer = setTimeout(tick, intervalMs).unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
  }
}

/** A pushed document that is the next version but breaks a rule of the state (answered 422, never adopted). */
export class TransitionRefused extends Error {}
