/**
 * `npm run bench:rollback`: post-switch failures and the edge's steady-state automated rollback.
 *
 * Two edge processes (peers directory + shared state file, as several Render instances) in front of two slot
 * servers (a child process; the simulator's data plane has no runtime yet). Steady load runs through both edges.
 * Each trial: report a passing analysis for the idle slot, switch to it, let it serve, then break it (health 503
 * and every request 500). Measured from the first failure (the earliest start of a request that failed after the
 * fault, or the first failing health probe, whichever is earlier):
 *  - detectMs: until an edge recorded the automatic rollback (the event's time);
 *  - restoreMs: until all traffic is on the warm slot (the later of the last response served by the failed slot
 *    and the rollback event);
 *  - offFailedMs: until the last response served by the failed slot alone (an edge moves its own traffic before
 *    the rollback's durable write, whose time the event records, so this is when the traffic actually left);
 *  - failedAfterRestore: failed requests that started after the restore.
 * Two runs side by side on the same machine: `baseline` with passive detection off (probes only, the edge before
 * issue 16 item 2) and the shipped settings (passive detection on real traffic, probes as the second source); the
 * JSON reports both and their ratio. Edge settings are the shipped defaults unless EDGE_PROBE_* or EDGE_PASSIVE_*
 * are set. `BENCH_EDGE_DATA_PLANE=haproxy` runs both series with the HAProxy data plane (EDGE_DATA_PLANE=haproxy:
 * passive detection is HAProxy's `observe layer7`, pushed to the control plane). The last line is one JSON object.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { EdgeAdminClient } from "../infra/edge-contract/client";
import { loadConfig } from "../apps/edge/config";
import { spawnEdge, type EdgeProcess } from "../test/support/edge-process";
import { startRemoteSlots, type RemoteSlots } from "./lib/slots-process";
import { percentile, r1 } from "./lib/stats";

const TRIALS = Number(process.env.BENCH_TRIALS ?? 12);
const LOADERS = Number(process.env.BENCH_LOADERS ?? 8);
const DATA_PLANE = process.env.BENCH_EDGE_DATA_PLANE ?? "node";
const TOKEN = `bench-${Math.random().toString(36).slice(2)}-token-xxxxxxxx`;

interface Sample {
  start: number;
  end: number;
  status: number;
  slot?: string;
}

function get(url: string, agent: http.Agent): Promise<Sample> {
  const start = Date.now();
  return new Promise((resolve) => {
    const req = http.get(url, { agent, timeout: 5_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve({ start, end: Date.now(), status: res.statusCode ?? 0, slot: res.headers["x-edge-slot"] as string | undefined }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ start, end: Date.now(), status: 0 }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RunResult {
  detect: number[];
  restore: number[];
  offFailed: number[];
  failedAfterRestore: number;
  failedDuringIncident: number;
  notes: string[];
}

/** One series of trials against two fresh edge processes with `extraEnv`. */
async function run(slots: RemoteSlots, extraEnv: Record<string, string>, label: string): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-rollback-"));
  const env = {
    EDGE_APPS: JSON.stringify({ api: { blue: slots.urls.blue, green: slots.urls.green, healthPath: "/healthz" } }),
    EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
    EDGE_ACTIVE: JSON.stringify({ api: "blue" }),
    EDGE_ADMIN_TOKEN: TOKEN,
    EDGE_STATE_FILE: path.join(dir, "state.json"),
    EDGE_PEERS_DIR: path.join(dir, "peers"),
    EDGE_DATA_PLANE: DATA_PLANE,
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("EDGE_PROBE_") || k.startsWith("EDGE_PASSIVE_")) as [string, string][]),
    ...extraEnv,
  };
  const edges: EdgeProcess[] = [await spawnEdge(env), await spawnEdge(env)];
  const clients = edges.map((e) => new EdgeAdminClient({ url: e.url, token: TOKEN, timeoutMs: 10_000 }));
  const samples: Sample[] = [];
  let stop = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: LOADERS });
  const loaders = Array.from({ length: LOADERS }, async (_, i) => {
    while (!stop) samples.push(await get(`${edges[i % edges.length].url}/orders`, agent));
  });

  const detect: number[] = [];
  const restore: number[] = [];
  const offFailed: number[] = [];
  let failedAfterRestore = 0;
  let failedDuringIncident = 0;
  const notes: string[] = [];
  try {
    await sleep(1_500); // probe windows fill
    for (let t = 0; t < TRIALS; t++) {
      const state = await clients[0].getState();
      const from = state.active.api;
      const bad = from === "blue" ? "green" : "blue";
      // A new version was deployed to the idle slot and passed its pre-switch analysis.
      await clients[0].reportAnalysis({ app: "api", slot: bad, phase: "Successful", reason: `bench trial ${t}: pre-switch analysis passed` });
      await clients[1].switch({ app: "api", slot: bad, reason: `bench trial ${t}` });
      await sleep(1_000 + Math.random() * 500);
      const injectedAt = Date.now();
      await slots.setFaults(bad, { healthy: false, errorRate: 1 });
      // Wait for every edge to route to the warm slot again.
      let routedAt = 0;
      for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
        const views = await Promise.all(clients.map((c) => c.getState()));
        if (views.every((v) => v.active.api === from)) {
          routedAt = Date.now();
          break;
        }
        await sleep(10);
      }
      if (!routedAt) throw new Error(`trial ${t}: traffic did not return to ${from} within 15 s`);
      await sleep(1_000); // observe traffic after the restore
      const firstFailingProbe = (await slots.stats(bad)).failingSince ?? Number.POSITIVE_INFINITY;
      const failedReqs = samples.filter((s) => s.end >= injectedAt && s.status !== 200);
      // The earliest request that failed (it may have started just before the fault reached the slot), or the
      // first failing probe if that came first: the restore clock starts at the first sign of the failure.
      const firstFailure = Math.min(firstFailingProbe, ...failedReqs.map((s) => s.start));
      if (!Number.isFinite(firstFailure)) throw new Error(`trial ${t}: no failure observed`);
      const events = await clients[0].events();
      const rb = events.filter((e) => e.kind === "auto-rollback" && Date.parse(e.at) >= injectedAt - 50);
      if (rb.length === 0) throw new Error(`trial ${t}: no auto-rollback event recorded`);
      const eventAt = Math.min(...rb.map((e) => Date.parse(e.at)));
      const window = samples.filter((s) => s.start >= injectedAt - 2_000);
      const lastOnBad = Math.max(0, ...window.filter((s) => s.slot === bad).map((s) => s.end));
      // Both edges route to the warm slot at most at routedAt; eventAt is when the first did.
      const restoredAt = Math.max(lastOnBad, eventAt);
      detect.push(eventAt - firstFailure);
      restore.push(restoredAt - firstFailure);
      offFailed.push(Math.max(0, lastOnBad - firstFailure));
      failedAfterRestore += window.filter((s) => s.start > restoredAt && s.status !== 200).length;
      failedDuringIncident += window.filter((s) => s.start >= firstFailure && s.start <= restoredAt && s.status !== 200).length;
      if (routedAt - restoredAt > 200) notes.push(`trial ${t}: state polling saw the switch ${routedAt - restoredAt} ms after restore`);
      await slots.setFaults(bad, { healthy: true, errorRate: 0 });
      // The next version is "deployed" to the slot: wait until every edge's probe window sees it healthy again.
      for (const deadline = Date.now() + 15_000; Date.now() < deadline; await sleep(50)) {
        const views = await Promise.all(clients.map((c) => c.getState()));
        if (views.every((v) => v.apps.api.slots[bad].health === "Successful")) break;
      }
      console.error(`${label} trial ${t + 1}/${TRIALS}: ${bad} failed; detect ${eventAt - firstFailure} ms, restore ${restoredAt - firstFailure} ms`);
      samples.splice(0, samples.length - 20_000);
    }
  } catch (e) {
    for (const [i, ed] of edges.entries()) console.error(`--- edge ${i} log (last lines):\n${ed.logs().split("\n").slice(-15).join("\n")}`);
    throw e;
  } finally {
    stop = true;
    await Promise.all(loaders);
    agent.destroy();
    await Promise.all(edges.map((e) => e.stop()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { detect, restore, offFailed, failedAfterRestore, failedDuringIncident, notes };
}

function figures(r: RunResult) {
  return {
    trials: r.detect.length,
    detectMsP50: r1(percentile(r.detect, 50)),
    detectMsP99: r1(percentile(r.detect, 99)),
    restoreMsP50: r1(percentile(r.restore, 50)),
    restoreMsP99: r1(percentile(r.restore, 99)),
    offFailedMsP50: r1(percentile(r.offFailed, 50)),
    offFailedMsP99: r1(percentile(r.offFailed, 99)),
    failedAfterRestore: r.failedAfterRestore,
    failedDuringIncident: r.failedDuringIncident,
  };
}

async function main() {
  const slots = await startRemoteSlots(["blue", "green"]);
  let baseline: RunResult;
  let passive: RunResult;
  try {
    baseline = await run(slots, { EDGE_PASSIVE_ROLLBACK: "off" }, "baseline (probes only)");
    passive = await run(slots, {}, "passive + probes");
  } finally {
    await slots.stop();
  }
  const notes = [...baseline.notes, ...passive.notes];
  if (notes.length) console.error(notes.join("\n"));
  const cfg = loadConfig({
    EDGE_APPS: JSON.stringify({ api: { blue: "http://b:1", green: "http://g:1" } }),
    EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
    ...process.env,
    EDGE_ADMIN_TOKEN: TOKEN,
  });
  const now = figures(passive);
  const base = figures(baseline);
  console.log(
    JSON.stringify({
      ...now,
      baseline: base,
      restoreP99VsBaseline: base.restoreMsP99 ? r1((now.restoreMsP99 / base.restoreMsP99) * 100) / 100 : null,
      dataPlane: DATA_PLANE,
      edges: 2,
      passiveConsecutiveFailures: cfg.passive.consecutiveFailures,
      probeIntervalMs: cfg.probe.intervalMs,
      probeWindow: cfg.probe.window,
      probeFailureLimit: cfg.probe.failureLimit,
      upstream: "node-http-slot-servers",
      loadavg1: r1(os.loadavg()[0]),
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
