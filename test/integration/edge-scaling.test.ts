/**
 * The edge scaled horizontally under the embedded Render (issue 9, "Must show"): the edge is created through
 * Render's API as a web service running `stackguard/edge:<tag>` on three instances, which the simulator's data plane
 * runs as three real processes behind one front; its slots are real simulator web services. A switch issued to one
 * instance is seen by every instance before the switch call returns, under load through the front, with no failed
 * request; an instance added by scaling to four starts with the current state.
 *
 * Each instance is reached on its own URL (its internal port, bypassing the front): instances announce
 * `{instanceId, url, pid}` in `EDGE_PEERS_DIR`, the directory they use to find each other on one host. The test reads
 * the same directory and checks it against the instance ids Render gives them and the count Render reports.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import autocannon from "autocannon";
import { startSimulator } from "../../sim";
import { EDGE_IMAGE } from "../../stacks/platform";
import { EDGE_HEALTH_CHECK_PATH } from "../../infra/config/defaults";
import { renderApi } from "../support/render-api";

jest.setTimeout(300_000);

const STAGING_OWNER = "tea-stackguardstaging000";
const TOKEN = "edge-scaling-admin-token-0123456789";
/** Slot images: the simulator's synthetic app answers `GET /version` with the image tag, so a response names its slot. */
const SLOT_VERSION = { blue: "1.0.0", green: "2.0.0" } as const;
type Slot = keyof typeof SLOT_VERSION;

/** One GET with a keep-alive agent and a timeout; the body parsed as JSON. */
function getJson(url: string, headers: Record<string, string> = {}, agent?: http.Agent): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent, timeout: 10_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
  });
}

async function adminCall(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms: number, every = 200): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** A live instance as announced in the peers directory. */
interface Announced {
  instanceId: string;
  url: string;
  pid: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The instances announced in the peers directory whose process is alive (the edge's own rule, apps/edge/peers.ts). */
function announced(dir: string): Announced[] {
  if (!fs.existsSync(dir)) return [];
  const out: Announced[] = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".json"))) {
    try {
      const e = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Announced;
      if (alive(e.pid)) out.push(e);
    } catch {
      // Being replaced right now.
    }
  }
  return out.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
}

describe("the edge on several instances under the simulator", () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "sg-edge-scaling-sim-"));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "sg-edge-scaling-"));
  const peersDir = path.join(work, "peers");
  let sim: Awaited<ReturnType<typeof startSimulator>>;
  let api: ReturnType<typeof renderApi>;
  let edgeId = "";
  let front = "";

  /** Creates an image-backed web service in the staging workspace and waits for its first deploy to go live. */
  async function createWebService(body: Record<string, unknown>): Promise<{ id: string; url: string }> {
    const r = await api<any>("POST", "/services", body);
    expect(r.status).toBe(201);
    const id: string = r.body.service.id;
    await until(`${body.name} live`, async () => (await api<any>("GET", `/services/${id}/deploys/${r.body.deployId}`)).body.status === "live", 120_000);
    const svc = (await api<any>("GET", `/services/${id}`)).body;
    return { id, url: svc.serviceDetails.url };
  }

  /** The instances of the edge on their own URLs, once exactly `n` answer and Render reports `n`. */
  async function instances(n: number): Promise<Announced[]> {
    return until(
      `${n} edge instances announced and healthy`,
      async () => {
        const list = announced(peersDir);
        if (list.length !== n) return undefined;
        const health = await Promise.all(list.map((i) => getJson(`${i.url}${EDGE_HEALTH_CHECK_PATH}`).catch(() => ({ status: 0, body: undefined }))));
        if (!health.every((h) => h.status === 200)) return undefined;
        const reported = (await api<any[]>("GET", `/services/${edgeId}/instances`)).body;
        return reported.length === n ? list : undefined;
      },
      120_000,
      300,
    );
  }

  beforeAll(async () => {
    sim = await startSimulator({ stateDir, timeScale: 0.01, rateLimit: "relaxed" });
    api = renderApi(sim.apiUrl, sim.apiKey);
    const slot = (s: Slot) =>
      createWebService({
        type: "web_service",
        name: `api-${s}`,
        ownerId: STAGING_OWNER,
        autoDeploy: "no",
        image: { ownerId: STAGING_OWNER, imagePath: `docker.io/acme/api:${SLOT_VERSION[s]}` },
        serviceDetails: { runtime: "image", plan: "starter", region: "oregon", numInstances: 2, healthCheckPath: "/healthz" },
      });
    const blue = await slot("blue");
    const green = await slot("green");
    const edge = await createWebService({
      type: "web_service",
      name: "edge-scaling",
      ownerId: STAGING_OWNER,
      autoDeploy: "no",
      image: { ownerId: STAGING_OWNER, imagePath: EDGE_IMAGE },
      serviceDetails: { runtime: "image", plan: "starter", region: "oregon", numInstances: 3, healthCheckPath: EDGE_HEALTH_CHECK_PATH },
      envVars: Object.entries({
        EDGE_APPS: JSON.stringify({ api: { blue: blue.url, green: green.url, healthPath: "/healthz" } }),
        EDGE_ROUTES: JSON.stringify([{ pathPrefix: "/", app: "api" }]),
        EDGE_ACTIVE: JSON.stringify({ api: "blue" }),
        EDGE_ADMIN_TOKEN: TOKEN,
        EDGE_PEERS_DIR: peersDir,
        // The durable copy in a file shared by the processes on this host; the barrier under test is the peer
        // fan-out, which is the same with either store.
        EDGE_STATE_FILE: path.join(work, "edge-state.json"),
        // A one-minute poll: within this test, agreement can only come from the fan-out barrier.
        EDGE_SYNC_INTERVAL_MS: "60000",
      }).map(([key, value]) => ({ key, value })),
    });
    edgeId = edge.id;
    front = edge.url;
  });

  afterAll(async () => {
    // Stopping the simulator stops every instance it runs (a DELETE first would race its own clean-up).
    await sim?.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("runs three real edge processes, each reachable on its own URL", async () => {
    const list = await instances(3);
    expect(new Set(list.map((i) => i.pid)).size).toBe(3);
    expect(new Set(list.map((i) => i.url)).size).toBe(3);
    for (const i of list) {
      expect(i.url).not.toBe(front);
      // The id Render gave the instance (RENDER_INSTANCE_ID), as the instance itself reports it.
      expect(i.instanceId.startsWith(`${edgeId}-`)).toBe(true);
      const state = await adminCall(i.url, "GET", "/__edge/state");
      expect(state.body).toMatchObject({ instance: i.instanceId, active: { api: "blue" } });
      expect(state.body.store).toBe("file");
    }
    // The front spreads requests over the instances.
    const agent = new http.Agent({ keepAlive: false });
    const seenBy = new Set<string>();
    for (let k = 0; k < 30; k++) {
      const r = await getJson(`${front}/version`, {}, agent);
      expect(r.body.version).toBe(SLOT_VERSION.blue);
      const byState = await getJson(`${front}${EDGE_HEALTH_CHECK_PATH}`, {}, agent);
      seenBy.add(byState.body.instance);
    }
    agent.destroy();
    expect(seenBy.size).toBe(3);
  });

  it("a switch issued to one instance is seen by all before the call returns, under load, with no failed request", async () => {
    const list = await instances(3);
    let load!: autocannon.Instance;
    // Bounded: at most 120 s, stopped as soon as the switches are done.
    const loadDone = new Promise<autocannon.Result>((resolve, reject) => {
      load = autocannon({ url: `${front}/load`, connections: 8, duration: 120, timeout: 10 }, (err, res) => (err ? reject(err) : resolve(res)));
    });
    try {
      await new Promise((r) => setTimeout(r, 1_000));
      const plan: Array<[number, Slot]> = [
        [0, "green"],
        [1, "blue"],
        [2, "green"],
        [1, "blue"],
        [0, "green"],
      ];
      let version = (await adminCall(list[0].url, "GET", "/__edge/state")).body.version as number;
      for (const [i, slot] of plan) {
        const r = await adminCall(list[i].url, "POST", "/__edge/switch", { app: "api", slot, reason: "edge-scaling test", actor: "test" });
        expect(r.status).toBe(200);
        version += 1;
        expect(r.body).toMatchObject({ app: "api", to: slot, changed: true, synced: true, version, peers: { total: 2, acked: 2, failed: [] } });
        // Right after the call returned: every instance, on its own URL, holds the new state and routes by it.
        const states = await Promise.all(list.map((x) => adminCall(x.url, "GET", "/__edge/state")));
        expect(states.map((s) => [s.body.instance, s.body.active.api, s.body.version])).toEqual(list.map((x) => [x.instanceId, slot, version]));
        const served = await Promise.all(list.map((x) => getJson(`${x.url}/version`)));
        expect(served.map((s) => s.body.version)).toEqual(list.map(() => SLOT_VERSION[slot]));
        await new Promise((res) => setTimeout(res, 500));
      }
    } finally {
      load.stop();
    }
    const result = await loadDone;
    expect(result.requests.total).toBeGreaterThan(100);
    console.info(
      `edge-scaling load: ${result.requests.total} requests through the front during 5 switches, p99 ${result.latency.p99} ms, errors ${result.errors}, non-2xx ${result.non2xx}`,
    );
    expect({ errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx }).toEqual({ errors: 0, timeouts: 0, non2xx: 0 });
  });

  it("an instance added by scaling to four starts with the current state", async () => {
    const before = await instances(3);
    // After the switches above (green), or blue when this test runs alone.
    const current = (await adminCall(before[0].url, "GET", "/__edge/state")).body;
    const slot = current.active.api as Slot;
    const other: Slot = slot === "blue" ? "green" : "blue";
    expect((await api("POST", `/services/${edgeId}/scale`, { numInstances: 4 })).status).toBe(202);
    const after = await instances(4);
    const added = after.filter((a) => !before.some((b) => b.instanceId === a.instanceId));
    expect(added).toHaveLength(1);
    const state = await adminCall(added[0].url, "GET", "/__edge/state");
    expect(state.body).toMatchObject({ instance: added[0].instanceId, version: current.version, active: { api: slot } });
    expect((await getJson(`${added[0].url}/version`)).body.version).toBe(SLOT_VERSION[slot]);
    // The existing instances were not restarted by the scale-up, and the new one takes part in the next switch.
    expect(after.filter((a) => before.some((b) => b.pid === a.pid))).toHaveLength(3);
    const r = await adminCall(added[0].url, "POST", "/__edge/switch", { app: "api", slot: other, reason: "from the new instance", actor: "test" });
    expect(r.body).toMatchObject({ changed: true, synced: true, peers: { total: 3, acked: 3 } });
    const states = await Promise.all(after.map((x) => adminCall(x.url, "GET", "/__edge/state")));
    expect(states.map((s) => s.body.active.api)).toEqual([other, other, other, other]);
  });
});
