import type { StateStore } from "./types";

/** Keeps the state in this process only: a restart falls back to `EDGE_ACTIVE` from the environment. */
export class MemoryStore implements StateStore {
  readonly kind = "memory";
  private doc: unknown;
  async load(): Promise<unknown> {
    return this.doc;
  }
  async save(doc: unknown): Promise<void> {
    this.doc = structuredClone(doc);
  }
}
