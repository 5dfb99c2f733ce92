import type { Slot } from "./config";
import { fanout, type FanoutResult, type PeerDiscovery } from "./peers";
import { isNewer, parseState, sameState, withApps, type EdgeState } from "./state";
import type { StateStore } from "./stores";

/** What `Replicator.update` did. */
export interface UpdateResult {
  changed: boolean;
  state: EdgeState;
  /** Present when the change was pushed to peers. */
  peers?: FanoutResult;
}

/** Options of the replicator. */
export interface ReplicatorOptions {
  store: StateStore;
  peers: PeerDiscovery;
  instanceId: string;
  adminToken: string;
  apps: string[];
  /** `EDGE_ACTIVE` from the environment: the starting point when the store holds nothing newer. */
  initial: unknown;
  /** Called whenever the local document changes (from a local update, a peer push or the sync poll). */
  onApply: (next: EdgeState, prev: EdgeState) => Promise<void> | void;
  fanoutTimeoutMs: number;
  log: (msg: string) => void;
}

/**
 * Keeps this instance's copy of the shared state, and the copies of its peers, in step.
 *
 * A change is made under a local lock: re-read the store (so versions grow monotonically across instances), apply
 * the mutation, persist it (durable before anyone acts on it: a restart never loses an acknowledged switch), apply
 * it here, then push it to every peer and wait for their acknowledgements (the switch barrier). A periodic poll of
 * the store is the safety net for a peer that missed a push; on equal versions with different content the store
 * wins, so two racing writers still converge on what was persisted last.
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

  /**
   * Applies `mutate` to the latest state. `mutate` returns the next document, or `undefined` for "no change" (the
   * call is then a no-op: idempotent switches). Throws, with nothing changed anywhere, when the store write fails.
   */
  update(mutate: (current: EdgeState) => EdgeState | undefined): Promise<UpdateResult> {
    return this.locked(async () => {
      await this.pullFromStore();
      const next = mutate(this.doc);
      if (!next) return { changed: false, state: this.doc };
      await this.o.store.save(next);
      await this.adopt(next);
      const peers = await fanout(await this.o.peers.list(), next, this.o.adminToken, this.o.fanoutTimeoutMs);
      if (peers.failed.length) this.o.log(`state v${next.version}: ${peers.failed.length} of ${peers.total} peer(s) did not confirm (${peers.failed.map((f) => `${f.url}: ${f.error}`).join("; ")}); they converge through the store poll`);
      return { changed: true, state: next, peers };
    });
  }

  /** A document pushed by a peer: adopted when newer. Returns the document now held. */
  receive(raw: unknown): Promise<EdgeState> {
    const doc = parseState(raw, "peer state");
    return this.locked(async () => {
      if (isNewer(doc, this.doc)) await this.adopt(doc);
      return this.doc;
    });
  }

  /** Re-reads the store now (the poll's body). */
  sync(): Promise<void> {
    return this.locked(() => this.pullFromStore());
  }

  private async pullFromStore(): Promise<void> {
    const stored = await this.o.store.load();
    if (stored === undefined) return;
    const doc = withApps(parseState(stored, `${this.o.store.kind} store`), this.o.apps, this.doc.active as Record<string, Slot>);
    if (doc.version > this.doc.version || (doc.version === this.doc.version && !sameState(doc, this.doc))) await this.adopt(doc);
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
