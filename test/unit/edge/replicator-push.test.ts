import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { hmacSigner } from "../../../apps/edge/peer-auth";
import type { PeerDiscovery } from "../../../apps/edge/peers";
import { Replicator } from "../../../apps/edge/replicator";
import { applySwitch, type EdgeState } from "../../../apps/edge/state";
import { MemoryStore } from "../../../apps/edge/stores/memory";

/**
 * Issue 16 (kill switch pushed in under 50 ms): the push to the other instances must leave as soon as the write is
 * durable, not after a peer discovery started only then (a directory read or a DNS lookup on every kill switch's
 * path to the other instances' apps), and without giving up what the admin call promises: nothing reaches a peer
 * before the write is durable, and every peer known once it is durable gets it and is counted.
 */

/** A store whose writes wait until the test lets them through. */
class GatedStore extends MemoryStore {
  saving = false;
  saved = false;
  private open!: () => void;
  private gate = new Promise<void>((r) => (this.open = r));
  release(): void {
    this.open();
  }
  override async save(doc: unknown): Promise<void> {
    this.saving = true;
    await this.gate;
    await super.save(doc);
    this.saved = true;
  }
}

/** A real HTTP peer that records the pushes it receives (with whether the write was durable then) and confirms them. */
async function peer(store: GatedStore): Promise<{ url: string; pushes: Array<{ id: string; durable: boolean }>; close: () => Promise<void> }> {
  const pushes: Array<{ id: string; durable: boolean }> = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      pushes.push({ id: (JSON.parse(body) as EdgeState).id ?? "", durable: store.saved });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, pushes, close: () => new Promise((r) => server.close(() => r())) };
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe("Replicator.update pushes to peers", () => {
  it("reads the peer list while persisting, pushes only once durable, and still pushes to a peer that appeared meanwhile", async () => {
    const store = new GatedStore();
    const a = await peer(store);
    const b = await peer(store);
    const lists: Array<{ durable: boolean }> = [];
    // `b` registers while the write is being persisted.
    const discovery: PeerDiscovery = {
      kind: "test",
      register: async () => undefined,
      unregister: async () => undefined,
      list: async () => {
        lists.push({ durable: store.saved });
        return store.saving ? [a.url, b.url] : [a.url];
      },
    };
    const r = new Replicator({
      store,
      peers: discovery,
      instanceId: "i-1",
      signer: hmacSigner(Buffer.from("canary-peer-key-0123456789abcdef-0123456789")),
      apps: ["api"],
      initial: { api: "blue" },
      onApply: () => undefined,
      fanoutTimeoutMs: 5_000,
      log: () => undefined,
    });
    try {
      await r.init();
      const pending = r.update((doc) => applySwitch(doc, { app: "api", slot: "green", by: "test", reason: "kill", kind: "switch" }));
      while (!store.saving) await turns(1);
      await turns(20);
      // The discovery ran while the write was held; nothing was pushed before the write was durable.
      expect(lists.filter((l) => !l.durable).length).toBeGreaterThanOrEqual(1);
      expect([...a.pushes, ...b.pushes]).toEqual([]);
      store.release();
      const res = await pending;
      expect(res.changed).toBe(true);
      expect(res.peers).toEqual({ total: 2, acked: 2, failed: [] });
      for (const p of [a, b]) expect(p.pushes).toEqual([{ id: res.state.id, durable: true }]);
    } finally {
      r.stop();
      await a.close();
      await b.close();
    }
  });
});
