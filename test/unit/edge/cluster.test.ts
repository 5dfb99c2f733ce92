import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnEdge, type EdgeProcess } from "../../support/edge-process";
import { admin, edgeEnv, servedBy, slots, TOKEN, until } from "./helpers";

/**
 * Real edge processes (`node -r ts-node/register/transpile-only apps/edge/index.ts`), as the simulator runs them,
 * sharing a state file and a peers directory.
 */
type Slots = Awaited<ReturnType<typeof slots>>;
let s: Slots;
let dir: string;
const procs: EdgeProcess[] = [];

beforeEach(async () => {
  s = await slots("api");
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-cluster-"));
});
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.stop(2_000)));
  await s.api.blue.close();
  await s.api.green.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(extra: Record<string, string> = {}): Promise<EdgeProcess> {
  const p = await spawnEdge(
    edgeEnv(s, {
      EDGE_STATE_FILE: path.join(dir, "state.json"),
      EDGE_PEERS_DIR: path.join(dir, "peers"),
      EDGE_ACTIVE: JSON.stringify({ api: "blue" }),
      ...extra,
    }),
  );
  procs.push(p);
  return p;
}

describe("edge processes", () => {
  it("keep the active slot across a restart (the stale EDGE_ACTIVE env does not win)", async () => {
    const a = await start();
    expect((await admin(a.url, "POST", "/__edge/switch", { app: "api", slot: "green" })).body).toMatchObject({ changed: true, version: 1 });
    expect(await a.stop()).toBe(0);
    const b = await start();
    expect((await admin(b.url, "GET", "/__edge/state")).body).toMatchObject({ version: 1, active: { api: "green" }, store: "file" });
    expect((await servedBy(b.url)).slot).toBe("api-green");
    expect(a.logs() + b.logs()).not.toContain(TOKEN);
  });

  it("stay in sync: a switch issued to one is seen by all before the call returns, under load, without a failed request", async () => {
    // A one-minute store poll: convergence within the test can only come from the fan-out barrier.
    const edges = [
      await start({ EDGE_SYNC_INTERVAL_MS: "60000" }),
      await start({ EDGE_SYNC_INTERVAL_MS: "60000" }),
      await start({ EDGE_SYNC_INTERVAL_MS: "60000" }),
    ];
    let failed = 0,
      total = 0;
    let stop = false;
    const load = Promise.all(
      edges.map(async (e) => {
        while (!stop) {
          const r = await servedBy(e.url, "/load").catch(() => ({ status: 0 }));
          total++;
          if (r.status !== 200) failed++;
        }
      }),
    );
    for (const [i, slot] of [
      [0, "green"],
      [1, "blue"],
      [2, "green"],
      [0, "blue"],
    ] as const) {
      const r = await admin(edges[i].url, "POST", "/__edge/switch", { app: "api", slot });
      expect(r.body).toMatchObject({ changed: true, synced: true, peers: { total: 2, acked: 2, failed: [] } });
      // Right after the call returned, every instance answers with the new slot.
      const seen = await Promise.all(edges.map((e) => admin(e.url, "GET", "/__edge/state")));
      expect(seen.map((x) => x.body.active.api)).toEqual([slot, slot, slot]);
      expect(new Set(seen.map((x) => x.body.version)).size).toBe(1);
      const served = await Promise.all(edges.map((e) => servedBy(e.url, "/after")));
      expect(served.map((x) => x.slot)).toEqual([`api-${slot}`, `api-${slot}`, `api-${slot}`]);
    }
    stop = true;
    await load;
    expect(total).toBeGreaterThan(50);
    expect(failed).toBe(0);
    // A new instance starts with the current state.
    const late = await start({ EDGE_SYNC_INTERVAL_MS: "60000" });
    expect((await admin(late.url, "GET", "/__edge/state")).body).toMatchObject({ active: { api: "blue" }, version: 4 });
  });

  it("converge through the store poll when a peer missed the push", async () => {
    // No shared peers directory: the instances cannot reach each other, only the state file.
    const a = await start({ EDGE_PEERS_DIR: path.join(dir, "peers-a"), EDGE_SYNC_INTERVAL_MS: "300" });
    const b = await start({ EDGE_PEERS_DIR: path.join(dir, "peers-b"), EDGE_SYNC_INTERVAL_MS: "300" });
    expect((await admin(a.url, "POST", "/__edge/switch", { app: "api", slot: "green" })).body).toMatchObject({ changed: true, peers: { total: 0 } });
    await until(async () => (await admin(b.url, "GET", "/__edge/state")).body.active.api === "green", 5_000);
  });

  it("do not drift when two instances take conflicting switches at once: all converge on what was persisted last", async () => {
    // Separate peer directories: only the shared store can reconcile them.
    const a = await start({ EDGE_PEERS_DIR: path.join(dir, "pa"), EDGE_SYNC_INTERVAL_MS: "300" });
    const b = await start({ EDGE_PEERS_DIR: path.join(dir, "pb"), EDGE_SYNC_INTERVAL_MS: "300" });
    for (let round = 0; round < 3; round++) {
      await Promise.all([
        admin(a.url, "POST", "/__edge/switch", { app: "api", slot: round % 2 ? "blue" : "green" }),
        admin(b.url, "POST", "/__edge/switch", { app: "api", slot: round % 2 ? "green" : "blue" }),
      ]);
      await until(async () => {
        const stored = JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8"));
        const [sa, sb] = await Promise.all([a, b].map((e) => admin(e.url, "GET", "/__edge/internal/state")));
        return JSON.stringify(sa.body) === JSON.stringify(stored) && JSON.stringify(sb.body) === JSON.stringify(stored);
      }, 5_000);
      const [ra, rb] = await Promise.all([servedBy(a.url), servedBy(b.url)]);
      expect(ra.slot).toBe(rb.slot);
    }
  });

  it("roll back by themselves when the active slot fails and the warm slot is healthy, on every instance, recorded and persisted", async () => {
    const edges = [await start(), await start()];
    await admin(edges[0].url, "POST", "/__edge/switch", { app: "api", slot: "green" });
    s.api.green.faults.healthy = false;
    await until(async () => (await Promise.all(edges.map((e) => admin(e.url, "GET", "/__edge/state")))).every((x) => x.body.active.api === "blue"), 10_000);
    for (const e of edges) expect((await servedBy(e.url)).slot).toBe("api-blue");
    const events = (await admin(edges[1].url, "GET", "/__edge/events")).body.events;
    expect(events.filter((e: any) => e.kind === "auto-rollback")).toEqual([
      expect.objectContaining({ app: "api", from: "green", to: "blue", reason: expect.stringContaining("status 503") }),
    ]);
    const stored = JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8"));
    expect(stored.active.api).toBe("blue");
    expect(stored.verdicts.api.green.phase).toBe("Failed");
    // The failed slot stays refused until a new analysis passes, even once it answers again.
    s.api.green.faults.healthy = true;
    expect((await admin(edges[0].url, "POST", "/__edge/switch", { app: "api", slot: "green" })).status).toBe(409);
    const metrics = (await admin(edges[0].url, "GET", "/__edge/metrics")).body as string;
    expect(metrics).toMatch(/edge_switches_total\{app="api",kind="auto-rollback"\} [12]/);
  });

  it("refuses to start on bad input, naming the variable", async () => {
    await expect(spawnEdge({ ...edgeEnv(s), EDGE_ROUTES: JSON.stringify([{ app: "web" }]) })).rejects.toThrow(
      /invalid configuration: EDGE_ROUTES: 0\.app: unknown app 'web'/,
    );
  });
});
