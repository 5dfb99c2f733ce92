import { spawnEdge, type EdgeProcess } from "../../support/edge-process";
import { freePort } from "../../support/free-port";
import { imageWebService, withSim } from "../sim/helpers";
import { admin, edgeEnv, servedBy, slots, TOKEN } from "./helpers";

/**
 * The state persisted in the edge's own Render env var, against the real simulator's API: the Render-side design
 * (see apps/edge/README.md, "Shared state"), with two edge processes reaching each other through EDGE_PEERS.
 */
describe("edge state in a Render env var (simulator)", () => {
  it("persists switches to EDGE_ACTIVE, reaches every instance before the call returns under load, and a restarted instance reads it back", async () => {
    const env = await withSim({ apiKey: "rnd_canary-sim-key-for-edge-test" });
    const s = await slots("api");
    const procs: EdgeProcess[] = [];
    try {
      const created = await env.api.post("/services", imageWebService("edge", { image: undefined }));
      expect(created.status).toBe(201);
      const serviceId: string = created.body.service.id;
      const ports = [await freePort(), await freePort(), await freePort()];
      const peers = ports.map((p) => `http://127.0.0.1:${p}`).join(",");
      // A one-minute store poll: instances can only agree at once through the switch barrier.
      const base = edgeEnv(s, {
        EDGE_ACTIVE: JSON.stringify({ api: "blue" }),
        EDGE_RENDER_API_KEY: env.sim.apiKey,
        RENDER_API_URL: env.sim.apiUrl,
        RENDER_SERVICE_ID: serviceId,
        EDGE_PEERS: peers,
        EDGE_SYNC_INTERVAL_MS: "60000",
      });
      for (const p of ports) procs.push(await spawnEdge({ ...base, PORT: String(p) }));

      let stop = false,
        total = 0,
        failed = 0;
      const load = Promise.all(
        procs.map(async (p) => {
          while (!stop) {
            const r = await servedBy(p.url, "/load").catch(() => ({ status: 0 }));
            total++;
            if (r.status !== 200) failed++;
          }
        }),
      );
      for (const [i, slot, version] of [
        [0, "green", 1],
        [1, "blue", 2],
        [2, "green", 3],
      ] as const) {
        const r = await admin(procs[i].url, "POST", "/__edge/switch", { app: "api", slot, reason: "promote" });
        expect(r.body).toMatchObject({ changed: true, version, synced: true, peers: { total: 2, acked: 2 } });
        const seen = await Promise.all(procs.map((p) => admin(p.url, "GET", "/__edge/state")));
        expect(seen.map((x) => [x.body.active.api, x.body.version, x.body.store])).toEqual(procs.map(() => [slot, version, "render"]));
      }
      stop = true;
      await load;
      expect(total).toBeGreaterThan(30);
      expect(failed).toBe(0);

      const stored = await env.api.get(`/services/${serviceId}/env-vars/EDGE_ACTIVE`);
      expect(stored.status).toBe(200);
      expect(JSON.parse(stored.body.value)).toMatchObject({
        version: 3,
        active: { api: "green" },
        events: [expect.objectContaining({ kind: "switch", to: "green" }), expect.anything(), expect.anything()],
      });

      await Promise.all(procs.splice(0).map((p) => p.stop()));
      const again = await spawnEdge({ ...base, EDGE_PEERS: "" });
      procs.push(again);
      expect((await admin(again.url, "GET", "/__edge/state")).body).toMatchObject({ version: 3, active: { api: "green" } });
      expect((await servedBy(again.url)).slot).toBe("api-green");
      expect(again.logs()).not.toContain("rnd_canary-sim-key-for-edge-test");
      expect(again.logs()).not.toContain(TOKEN);
    } finally {
      await Promise.all(procs.map((p) => p.stop()));
      await s.api.blue.close();
      await s.api.green.close();
      await env.done();
    }
  });

  it("refuses the switch (503) and changes nothing when Render rejects the write", async () => {
    const env = await withSim({ apiKey: "rnd_canary-sim-key-for-edge-test" });
    const s = await slots("api");
    let p: EdgeProcess | undefined;
    try {
      const created = await env.api.post("/services", imageWebService("edge", { image: undefined }));
      const serviceId: string = created.body.service.id;
      p = await spawnEdge(edgeEnv(s, { EDGE_RENDER_API_KEY: env.sim.apiKey, RENDER_API_URL: env.sim.apiUrl, RENDER_SERVICE_ID: serviceId }));
      await env.api.del(`/services/${serviceId}`);
      const r = await admin(p.url, "POST", "/__edge/switch", { app: "api", slot: "green" });
      expect(r.status).toBe(503);
      expect(r.body.error).toContain("writing env var EDGE_ACTIVE");
      expect(r.body.error).not.toContain("rnd_canary");
      expect((await admin(p.url, "GET", "/__edge/state")).body.active.api).toBe("blue");
      expect((await servedBy(p.url)).slot).toBe("api-blue");
    } finally {
      await p?.stop();
      await s.api.blue.close();
      await s.api.green.close();
      await env.done();
    }
  });
});
