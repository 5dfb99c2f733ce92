/** Durable storage of the edge's state document (see ../README.md, "Shared state"). */
export interface StateStore {
  readonly kind: string;
  /** The stored document (unparsed JSON value), or `undefined` when nothing is stored yet. */
  load(): Promise<unknown | undefined>;
  /** Stores the document; resolves only once it is durable. */
  save(doc: unknown): Promise<void>;
}
