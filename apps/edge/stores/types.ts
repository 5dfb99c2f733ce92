/** Durable storage of the edge's state document (see ../README.md, "Shared state"). */
export interface StateStore {
  readonly kind: string;
  /** The stored document (unparsed JSON value), or `undefined` when nothing is stored yet. */
  load(): Promise<unknown | undefined>;
  /** Stores the document; resolves only once it is durable. */
  save(doc: unknown): Promise<void>;
}

/**
 * A store with compare-and-set (Key Value): a write lands only on top of the document the writer read, so
 * concurrent writers are ordered by the store itself instead of being reconciled afterwards through the peers.
 */
export interface CasStore extends StateStore {
  /**
   * Stores `doc` (whose id is `id`) only when the stored document's id is still `expected` (`undefined`: nothing
   * is stored). Resolves `true` when it was written (and announced to the other instances), `false` when someone
   * else wrote first; throws when the store cannot be reached (nothing written).
   */
  compareAndSet(doc: unknown, id: string, expected: string | undefined): Promise<boolean>;
}

/** Whether `s` orders writes itself. */
export function hasCompareAndSet(s: StateStore): s is CasStore {
  return typeof (s as Partial<CasStore>).compareAndSet === "function";
}
