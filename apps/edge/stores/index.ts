import type { StoreConfig } from "../config";
import { FileStore } from "./file";
import { MemoryStore } from "./memory";
import { RenderEnvStore } from "./render-env";
import type { StateStore } from "./types";

export { hasCompareAndSet, type CasStore, type StateStore } from "./types";

/** The store the configuration names (the Key Value store is built by the edge, which shares its connection). */
export function createStore(c: Exclude<StoreConfig, { kind: "key-value" }>): StateStore {
  switch (c.kind) {
    case "render":
      return new RenderEnvStore({ apiUrl: c.apiUrl, apiKey: c.apiKey, serviceId: c.serviceId, envVar: c.envVar });
    case "file":
      return new FileStore(c.path);
    case "memory":
      return new MemoryStore();
  }
}
