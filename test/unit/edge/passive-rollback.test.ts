/**
 * Passive detection (issue 16 item 2): real edge processes in front of real upstream HTTP servers made to fail
 * (5xx, connection resets, hangs). The probes run once at start and then every 60 s, so only the failing proxied
 * requests themselves can be what moves the traffic. No timed assertions: the figures are in bench:rollback.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig } from "../../../apps/edge/config";
import { OutlierDetector } from "../../../apps/edge/outlier-detector";
import { spawnEdge, type EdgeProcess } from "../../support/edge-process";
import { admin, TOKEN, until } from "./helpers";

type Mode = "ok" | "500" | "reset" | "hang" | "hold";

/** A real upstream whose answers the test decides: health on its own switch, other paths by `mode`. */
interface Upstream {
  name: string;
  url: string;
  mode: Mode;
  healthy: boolean;
  probes: number;
  /** Requests held in `hold` mode: answer them later with `release(status)`. */
  held: http.ServerResponse[];
  release(status: number): void;
  close(): Promise<void>;
}

async function upstream(name: string): Promise<Upstream> {
  const u: Upstream = { name, url: "", mode: "ok", healthy: true, probes: 0, held: [], release: () => undefined, close: async () => undefined };
  const answer = (res: http.ServerResponse, status: number) => {
    const body = JSON.stringify({ slot: name });
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
  };
  const server = http.createServer((req, res) => {
    if (req.url === "/healthz") {
      u.probes++;
      return answer(res, u.healthy ? 200 : 503);
    }
    req.resume();
    switch (u.mode) {
      case "ok":
        return answer(res, 200);
      case "500":
        return answer(res, 500);
      case "reset":
        return void req.socket.destroy();
      case "hang":
        return; // never answers; the edge's upstream timeout ends it
      case "hold":
        return void u.held.push(res);
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  u.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  u.release = (status) => {
    for (const res of u.held.splice(0)) answer(res, status);
  };
  u.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return u;
}

/** One request through an edge; never rejects (status 0 when there was no answer). */
function request(base: string, method = "GET", body?: string): Promise<{ status: number; slot?: string }> {
  return new Promise((resolve) => {
    const req = http.request(
      `${base}/orders`,
      { method, agent: false, timeout: 20_000, headers: body ? { "content-length": Buffer.byteLength(body) } : {} },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => {
          let slot: string | undefined;
          try {
            slot = JSON.parse(text).slot;
          } catch {
            /* the edge's own answer */
          }
          resolve({ status: res.statusCode ?? 0, slot });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ status: 0 }));
    req.end(body);
  });
}

const THRESHOLD = 3;
let dir: string;
let blue: Upstream;
let green: Upstream;
const edges: EdgeProcess[] = [];

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    EDGE_APPS: JSON.stringify({ api: { blue: blue.url, green: green.url, healthPath: "/healthz" } }),
    EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
    EDGE_ACTIVE: JSON.stringify({ api: "blue" }),
    EDGE_ADMIN_TOKEN: TOKEN,
    EDGE_STATE_FILE: path.join(dir, "state.json"),
    // One probe at start, the next a minute later: the probes cannot be what moves traffic in these tests.
    EDGE_PROBE_INTERVAL_MS: "60000",
    EDGE_PROBE_WINDOW: "1",
    EDGE_PROBE_FAILURE_LIMIT: "0",
    // Only a peer push can carry a switch to another instance within a test.
    EDGE_SYNC_INTERVAL_MS: "600000",
    EDGE_PASSIVE_CONSECUTIVE_FAILURES: String(THRESHOLD),
    EDGE_DRAIN_TIMEOUT_MS: "2000",
    EDGE_SHUTDOWN_GRACE_MS: "1000",
    ...extra,
  };
}

async function start(extra: Record<string, string> = {}): Promise<EdgeProcess> {
  const e = await spawnEdge(env(extra));
  edges.push(e);
  return e;
}

/** Waits until the edge's start-up probe round judged both slots (Successful or Failed, not Running). */
async function probed(e: EdgeProcess, expect: { blue: string; green: string } = { blue: "Successful", green: "Successful" }) {
  await until(async () => {
    const s = (await admin(e.url, "GET", "/__edge/state")).body;
    return s.apps.api.slots.blue.health === expect.blue && s.apps.api.slots.green.health === expect.green;
  }, 20_000);
}

async function state(e: EdgeProcess) {
  return (await admin(e.url, "GET", "/__edge/state")).body;
}

async function rollbacks(e: EdgeProcess) {
  return ((await admin(e.url, "GET", "/__edge/events")).body.events as { kind: string; from?: string; to?: string; reason: string }[]).filter(
    (x) => x.kind === "auto-rollback",
  );
}

/** Sends sequential GETs until one is served by `slot` (at most `max`); returns every answer. */
async function untilServedBy(e: EdgeProcess, slot: string, max = 400) {
  const seen: { status: number; slot?: string }[] = [];
  for (let i = 0; i < max; i++) {
    const r = await request(e.url);
    seen.push(r);
    if (r.status === 200 && r.slot === slot) return seen;
  }
  throw new Error(`no request served by ${slot} in ${max}: ${JSON.stringify(seen.slice(-5))}`);
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-passive-"));
  blue = await upstream("blue");
  green = await upstream("green");
});
afterEach(async () => {
  await Promise.all(edges.splice(0).map((e) => e.stop()));
  blue.release(200);
  green.release(200);
  await blue.close();
  await green.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("passive rollback on the failing requests themselves", () => {
  it.each([
    ["5xx answers", "500" as Mode, {}],
    ["connection resets", "reset" as Mode, {}],
    ["hangs (upstream timeouts)", "hang" as Mode, { EDGE_UPSTREAM_TIMEOUT_MS: "300" }],
  ])("%s on the active slot move the traffic to the healthy warm slot, on every instance", async (_what, mode, extra) => {
    const a = await start({ EDGE_PEERS_DIR: path.join(dir, "peers"), ...extra });
    const b = await start({ EDGE_PEERS_DIR: path.join(dir, "peers"), ...extra });
    await probed(a);
    await probed(b);
    const probesBefore = blue.probes;
    // Blue breaks for real traffic while its health path still answers 200: no probe could ever fail it.
    blue.mode = mode;
    const seen = await untilServedBy(a, "green");
    // The requests before the THRESHOLD-th failed on blue; the THRESHOLD-th moved the traffic (and, being a GET,
    // was itself replayed on green).
    expect(seen.length).toBeGreaterThanOrEqual(THRESHOLD);
    expect(seen.slice(0, THRESHOLD - 1).every((r) => r.status !== 200)).toBe(true);
    expect(blue.probes).toBe(probesBefore);

    // The instance moved its own traffic first; the durable write follows.
    await until(async () => (await state(a)).active.api === "green");
    const sa = await state(a);
    expect(sa.active.api).toBe("green");
    expect(sa.apps.api.slots.blue.verdict).toMatchObject({
      phase: "Failed",
      reason: expect.stringMatching(/^edge proxied requests: \d+ consecutive failed requests/),
    });
    const rb = await rollbacks(a);
    expect(rb).toHaveLength(1);
    expect(rb[0]).toMatchObject({ from: "blue", to: "green", reason: expect.stringContaining("failed on real traffic") });
    // The other instance got it by the peer push (its store poll is 10 minutes away) and routes to green too.
    await until(async () => (await state(b)).active.api === "green");
    expect((await request(b.url)).slot).toBe("green");
    expect((await rollbacks(b)).length).toBe(1);
    // Visible in the metrics the same way as a probe-driven rollback.
    const metrics = (await admin(a.url, "GET", "/__edge/metrics")).body as string;
    expect(metrics).toContain('edge_switches_total{app="api",kind="auto-rollback"} 1');
    expect(metrics).toContain('edge_active_slot{app="api",slot="green"} 1');
    // After the restore, nothing fails.
    for (let i = 0; i < 20; i++) expect(await request(a.url)).toEqual({ status: 200, slot: "green" });
  });

  it("does not move when the warm slot is unhealthy", async () => {
    green.healthy = false;
    const e = await start();
    await probed(e, { blue: "Successful", green: "Failed" });
    blue.mode = "500";
    for (let i = 0; i < THRESHOLD * 10; i++) expect((await request(e.url)).status).toBe(500);
    // The decision is taken synchronously when the threshold is reached, so it has been taken by now.
    await until(() => /active slot blue is failing \(proxied requests: .*\) but warm slot green is not healthy/.test(e.logs()));
    expect((await state(e)).active.api).toBe("blue");
    expect(await rollbacks(e)).toHaveLength(0);
  });

  it("does not move when the warm slot has not been analysed yet (probe window not full)", async () => {
    const e = await start({ EDGE_PROBE_WINDOW: "3", EDGE_PROBE_FAILURE_LIMIT: "1" });
    await until(() => green.probes >= 1 && blue.probes >= 1);
    expect((await state(e)).apps.api.slots.green.health).toBe("Running");
    blue.mode = "500";
    for (let i = 0; i < THRESHOLD * 10; i++) expect((await request(e.url)).status).toBe(500);
    await until(() => /warm slot green is not healthy/.test(e.logs()));
    expect((await state(e)).active.api).toBe("blue");
    expect(await rollbacks(e)).toHaveLength(0);
  });

  it("does not move when the warm slot failed its last analysis, and does not flap back without a fresh one", async () => {
    const e = await start();
    await probed(e);
    blue.mode = "500";
    await untilServedBy(e, "green");
    await until(async () => (await state(e)).active.api === "green");
    // Blue is repaired (healthy again for probes and requests), then green breaks.
    blue.mode = "ok";
    green.mode = "500";
    for (let i = 0; i < THRESHOLD * 10; i++) expect(await request(e.url)).toEqual({ status: 500, slot: "green" });
    await until(() => /warm slot blue is not healthy \(failed its last analysis/.test(e.logs()));
    expect((await state(e)).active.api).toBe("green");
    expect(await rollbacks(e)).toHaveLength(1);
    // A fresh passing analysis of blue clears it; now green's failures move traffic back to blue.
    expect(
      (await admin(e.url, "POST", "/__edge/analysis", { app: "api", slot: "blue", phase: "Successful", reason: "redeployed, analysis passed" })).status,
    ).toBe(200);
    await untilServedBy(e, "blue");
    await until(async () => (await state(e)).active.api === "blue");
    expect((await rollbacks(e)).map((r) => `${r.from}->${r.to}`)).toEqual(["blue->green", "green->blue"]);
  });

  it("with EDGE_PASSIVE_ROLLBACK=off, failing requests do not move traffic (the probes still would)", async () => {
    const e = await start({ EDGE_PASSIVE_ROLLBACK: "off" });
    await probed(e);
    blue.mode = "500";
    for (let i = 0; i < THRESHOLD * 10; i++) expect((await request(e.url)).status).toBe(500);
    expect((await state(e)).active.api).toBe("blue");
    expect(await rollbacks(e)).toHaveLength(0);
  });
});

describe("requests caught on the failed slot during the switch", () => {
  it("replays a body-less GET that failed on the old slot once on the new slot; never a POST", async () => {
    const e = await start();
    await probed(e);
    blue.mode = "hold";
    const get = request(e.url);
    const post = request(e.url, "POST", "order=1");
    await until(() => blue.held.length === 2);
    // Blue now fails every request: the next ones roll the app back to green.
    blue.mode = "500";
    await untilServedBy(e, "green");
    // The two held requests now fail on blue, which is no longer active.
    blue.release(500);
    expect(await get).toEqual({ status: 200, slot: "green" });
    expect(await post).toEqual({ status: 500, slot: "blue" });
  });
});

describe("configuration and counting", () => {
  const base = {
    EDGE_APPS: JSON.stringify({ api: { blue: "http://b:1", green: "http://g:1" } }),
    EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
    EDGE_ADMIN_TOKEN: TOKEN,
  };

  it("defaults to on with 5 consecutive failures, and names the variable on bad input", () => {
    expect(loadConfig(base).passive).toEqual({ enabled: true, consecutiveFailures: 5 });
    expect(() => loadConfig({ ...base, EDGE_PASSIVE_ROLLBACK: "yes" })).toThrow(/EDGE_PASSIVE_ROLLBACK: must be 'on' or 'off', got 'yes'/);
    expect(() => loadConfig({ ...base, EDGE_PASSIVE_CONSECUTIVE_FAILURES: "0" })).toThrow(/EDGE_PASSIVE_CONSECUTIVE_FAILURES: must be an integer from 1/);
  });

  it("reports only failures in a row, once per run of `consecutiveFailures`", () => {
    const reports: string[] = [];
    const d = new OutlierDetector({ enabled: true, consecutiveFailures: 3, onOutlier: (app, slot, reason) => reports.push(`${app}/${slot}: ${reason}`) });
    const t = d.track("api", "blue");
    d.failure(t, 500);
    d.failure(t, 502);
    d.success(t);
    d.failure(t, 500);
    d.failure(t, 0, "ECONNRESET");
    expect(reports).toEqual([]);
    d.failure(t, 0, "ETIMEDOUT");
    expect(reports).toEqual(["api/blue: 3 consecutive failed requests (last: upstream timeout)"]);
    d.failure(t, 503);
    d.failure(t, 503);
    d.failure(t, 503);
    expect(reports[1]).toBe("api/blue: 3 consecutive failed requests (last: HTTP 503)");
    const off = new OutlierDetector({ enabled: false, consecutiveFailures: 1, onOutlier: () => reports.push("off") });
    const t2 = off.track("api", "green");
    for (let i = 0; i < 100; i++) off.failure(t2, 500);
    expect(reports).toHaveLength(2);
  });
});
