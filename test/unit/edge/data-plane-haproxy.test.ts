/**
 * The HAProxy data plane (EDGE_DATA_PLANE=haproxy, issue 16 goal 1): real edge processes that start Debian's
 * haproxy and drive it over its runtime API, in front of real slot servers. No mocks, no timed assertions (the
 * figures are in bench:switch).
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { EdgeConfigError, loadConfig } from "../../../apps/edge/config";
import { findHaproxy } from "../../../apps/edge/data-plane/haproxy-binary";
import { haproxyConfig } from "../../../apps/edge/data-plane/haproxy-config";
import { Router } from "../../../apps/edge/router";
import { spawnEdge, type EdgeProcess } from "../../support/edge-process";
import { admin, edgeEnv, servedBy, slots, TOKEN, until } from "./helpers";
import { rawRequest } from "./raw-http";

type Slots = Awaited<ReturnType<typeof slots>>;
const HAPROXY = findHaproxy();
// The project's setup installs haproxy (tools/scripts/lib/setup.js); without it these tests cannot say anything.
const maybe = HAPROXY ? describe : describe.skip;
if (!HAPROXY) console.warn("haproxy is not installed: the HAProxy data plane tests are skipped (apt-get install haproxy)");

/** `n` keep-alive clients sending GET /orders back to back until `stop()`; counts answers by status. */
function load(base: string, n: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  const statuses = new Map<number, number>();
  const bySlot = new Map<string, number>();
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.get(`${base}/orders`, { agent, timeout: 10_000 }, (res) => {
        res.resume();
        res.on("end", () => {
          statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
          const slot = res.headers["x-edge-slot"] as string | undefined;
          if (slot) bySlot.set(slot, (bySlot.get(slot) ?? 0) + 1);
          resolve();
        });
      });
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
        resolve();
      });
    });
  const workers = Array.from({ length: n }, async () => {
    while (running) await one();
  });
  return {
    statuses,
    bySlot,
    total: () => [...statuses.values()].reduce((a, b) => a + b, 0),
    stop: async () => {
      running = false;
      await Promise.all(workers);
      agent.destroy();
    },
  };
}

/** The private directory of the edge's HAProxy, from its start line. */
function haproxyDir(edge: EdgeProcess): string {
  const m = /runtime API (\S+)/.exec(edge.logs());
  if (!m) throw new Error(`no data plane line in the edge's log:\n${edge.logs()}`);
  return path.dirname(m[1]);
}

maybe("the HAProxy data plane (real haproxy, real slot servers)", () => {
  let s: Slots;
  let edge: EdgeProcess;

  beforeAll(async () => {
    s = await slots("api");
    edge = await spawnEdge(edgeEnv(s, { EDGE_DATA_PLANE: "haproxy", EDGE_PASSIVE_CONSECUTIVE_FAILURES: "3" }));
  });
  afterAll(async () => {
    await edge?.stop(5_000);
    await s?.api.blue.close();
    await s?.api.green.close();
  });
  beforeEach(async () => {
    for (const slot of ["blue", "green"] as const) Object.assign(s.api[slot].faults, { healthy: true, errorRate: 0, latencyMs: 0 });
    // Each test starts on blue with both slots cleared by a passing analysis and seen healthy by the probes.
    for (const slot of ["blue", "green"] as const)
      expect((await admin(edge.url, "POST", "/__edge/analysis", { app: "api", slot, phase: "Successful", reason: "test: cleared" })).status).toBe(200);
    await until(async () => {
      const st = (await admin(edge.url, "GET", "/__edge/state")).body;
      return st.apps.api.slots.blue.health === "Successful" && st.apps.api.slots.green.health === "Successful";
    });
    const r = await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "blue", reason: "test reset" });
    expect(r.status).toBe(200);
    await until(async () => (await servedBy(edge.url, "/orders")).slot === "api-blue");
  });

  it("HAProxy takes the public port; the admin API goes to the Node control plane behind it", async () => {
    const r = await servedBy(edge.url, "/orders");
    expect(r).toMatchObject({ status: 200, slot: "api-blue", edgeSlot: "blue" });
    expect((await admin(edge.url, "GET", "/__edge/healthz", undefined, null)).status).toBe(200);
    expect((await admin(edge.url, "GET", "/__edge/state", undefined, "wrong-token-wrong-token")).status).toBe(401);
    expect((await admin(edge.url, "GET", "/__edge/state")).body.active).toEqual({ api: "blue" });
    // The edge's process is not HAProxy: the public port's process is a child of the edge.
    const kids = fs.readFileSync(`/proc/${edge.proc.pid}/task/${edge.proc.pid}/children`, "utf8").trim().split(/\s+/).map(Number);
    expect(kids.some((k) => fs.readFileSync(`/proc/${k}/cmdline`, "utf8").includes("haproxy"))).toBe(true);
  });

  it("switches 12 times under load with 0 failed requests, through the runtime API (no reload)", async () => {
    const pidsBefore = fs.readFileSync(`/proc/${edge.proc.pid}/task/${edge.proc.pid}/children`, "utf8").trim();
    const l = load(edge.url, 16);
    for (let i = 0; i < 12; i++) {
      await new Promise((r) => setTimeout(r, 150));
      const r = await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: i % 2 === 0 ? "green" : "blue", reason: `test switch ${i}` });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ changed: true, drained: true });
    }
    await new Promise((r) => setTimeout(r, 150));
    await l.stop();
    expect(l.total()).toBeGreaterThan(100);
    expect([...l.statuses.keys()]).toEqual([200]);
    expect(l.bySlot.get("blue")).toBeGreaterThan(0);
    expect(l.bySlot.get("green")).toBeGreaterThan(0);
    // The same HAProxy process served it all: switches never restart or reload it.
    expect(fs.readFileSync(`/proc/${edge.proc.pid}/task/${edge.proc.pid}/children`, "utf8").trim()).toBe(pidsBefore);
  });

  it("a switch drains: requests in flight on the old slot complete there, the call returns once they did", async () => {
    s.api.blue.faults.latencyMs = 1_500;
    const inflight = Array.from({ length: 5 }, () => servedBy(edge.url, "/orders"));
    // The control plane sees them in HAProxy's sessions (show stat).
    await until(async () => (await admin(edge.url, "GET", "/__edge/state")).body.apps.api.slots.blue.inFlight === 5);
    const sw = await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green", reason: "test drain" });
    expect(sw.status).toBe(200);
    expect(sw.body).toMatchObject({ changed: true, drained: true });
    // The switch answered after the slow requests finished, each on the slot it started on.
    const done = await Promise.race([Promise.all(inflight), new Promise<undefined>((r) => setImmediate(() => r(undefined)))]);
    expect(done?.map((r) => [r.status, r.slot])).toEqual(Array(5).fill([200, "api-blue"]));
    expect(await servedBy(edge.url, "/orders")).toMatchObject({ status: 200, slot: "api-green" });
  });

  it("passive ejection: failing real traffic on the active slot moves it to the warm analysed slot, and it is not switched back", async () => {
    expect((await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green", reason: "test: deploy" })).status).toBe(200);
    // Green fails on real traffic only: its health path stays 200, so no probe can see it.
    s.api.green.faults.errorRate = 1;
    const seen: number[] = [];
    await until(async () => {
      const r = await servedBy(edge.url, "/orders");
      seen.push(r.status);
      return r.slot === "api-blue";
    });
    expect(seen.filter((x) => x === 500).length).toBeGreaterThanOrEqual(3);
    const st = (await admin(edge.url, "GET", "/__edge/state")).body;
    expect(st.active.api).toBe("blue");
    expect(st.apps.api.slots.green.verdict).toMatchObject({ phase: "Failed" });
    expect(st.apps.api.slots.green.verdict.reason).toMatch(/edge proxied requests: HAProxy marked the slot's server down/);
    const events = (await admin(edge.url, "GET", "/__edge/events")).body.events;
    expect(events.at(-1)).toMatchObject({ kind: "auto-rollback", app: "api" });

    // Green recovers, but it failed: no source switches back to it without a fresh analysis.
    s.api.green.faults.errorRate = 0;
    // Then blue fails too: with green's failed verdict there is nowhere to go, so traffic stays on blue.
    s.api.blue.faults.errorRate = 1;
    for (let i = 0; i < 12; i++) expect((await servedBy(edge.url, "/orders")).slot).toBe("api-blue");
    await new Promise((r) => setTimeout(r, 400)); // a few polls and probe rounds
    expect((await admin(edge.url, "GET", "/__edge/state")).body.active.api).toBe("blue");
    expect(edge.logs()).toMatch(/warm slot green is not healthy \(failed its last analysis/);
    const refused = await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green", reason: "test: back" });
    expect(refused.status).toBe(409);
    // While nowhere is healthier, requests still reach the active slot (HAProxy's backup server), not a blanket 503.
    expect((await servedBy(edge.url, "/orders")).slot).toBe("api-blue");
  });

  it("every proxied request is in the edge's metrics (HAProxy's request ring, followed by the control plane)", async () => {
    const series = async () =>
      (await admin(edge.url, "GET", "/__edge/metrics?format=json")).body.series as {
        app: string;
        slot: string;
        requests: number;
        classes: Record<string, number>;
      }[];
    const count = async (slot: string, cls: string) =>
      (await series()).filter((x) => x.app === "api" && x.slot === slot).reduce((n, x) => n + (x.classes[cls] ?? 0), 0);
    // The control plane reads HAProxy's ring in batches: the requests of beforeEach may still be on their way.
    const settled = async () => {
      const before = await count("blue", "2xx");
      await new Promise((r) => setTimeout(r, 300));
      return before === (await count("blue", "2xx"));
    };
    await until(settled);
    const ok0 = await count("blue", "2xx");
    const bad0 = await count("blue", "5xx");
    for (let i = 0; i < 7; i++) expect((await servedBy(edge.url, "/orders")).status).toBe(200);
    s.api.blue.faults.errorRate = 1;
    expect((await servedBy(edge.url, "/orders")).status).toBe(500);
    s.api.blue.faults.errorRate = 0;
    // The admin calls above are the control plane's, not traffic: only the 8 proxied requests count.
    await until(async () => (await count("blue", "2xx")) - ok0 === 7 && (await count("blue", "5xx")) - bad0 === 1);
    const unrouted = /edge_unrouted_requests_total (\d+)/;
    expect((await admin(edge.url, "GET", "/__edge/metrics")).body).toMatch(unrouted);
  });

  it("malformed requests get HAProxy's 4xx and crash nothing", async () => {
    const bad = [
      "GARBAGE\r\n\r\n",
      "GET /orders HTTP/1.1\r\nhost: x\r\nbad header line\r\n\r\n",
      "GET /orders HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ncontent-length: 7\r\n\r\nhello",
      "GET /orders HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\nzz\r\n",
      `GET /${"a".repeat(70_000)} HTTP/1.1\r\nhost: x\r\n\r\n`,
      "CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n",
      "GET /orders HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n",
      "GET /__edge/flags/%E0 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
      "\x00\x01\x02\xff\xfe\r\n\r\n",
    ];
    for (const b of bad) {
      const r = await rawRequest(edge.url, Buffer.from(b, "latin1"), 5_000);
      expect(r.status === 0 || (r.status >= 400 && r.status < 600)).toBe(true);
    }
    expect(edge.proc.exitCode).toBeNull();
    expect(await servedBy(edge.url, "/orders")).toMatchObject({ status: 200, slot: "api-blue" });
    expect((await admin(edge.url, "GET", "/__edge/healthz", undefined, null)).status).toBe(200);
  });

  it("keeps the admin token out of its logs and of HAProxy's configuration (a 0600 file in a 0700 directory)", async () => {
    await admin(edge.url, "GET", "/__edge/state", undefined, `${TOKEN}-wrong`);
    await admin(edge.url, "POST", "/__edge/switch", { app: "api", slot: "green", reason: "token test" });
    await rawRequest(edge.url, `GET /__edge/state?token=${TOKEN} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\nconnection: close\r\n\r\n`);
    expect(edge.logs()).not.toContain(TOKEN);
    const dir = haproxyDir(edge);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const cfg = path.join(dir, "haproxy.cfg");
    expect(fs.statSync(cfg).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(cfg, "utf8")).not.toContain(TOKEN);
    expect(fs.readFileSync(cfg, "utf8")).toMatch(/stats socket \S+ mode 600 level admin/);
  });
});

maybe("HAProxy routes as the Node router does", () => {
  let s: Slots;
  let edge: EdgeProcess;
  const routes = [
    { hosts: ["api.example.com"], pathPrefix: "/v1", app: "api", stripPrefix: true },
    { hosts: ["api.example.com"], app: "api" },
    { hosts: ["*.example.com"], app: "web" },
    { hosts: ["*.example.com"], pathPrefix: "/api/", app: "api" },
    { pathPrefix: "/shop", app: "web" },
  ];
  beforeAll(async () => {
    s = await slots("api", "web");
    edge = await spawnEdge(edgeEnv(s, { EDGE_DATA_PLANE: "haproxy", EDGE_ROUTES: JSON.stringify(routes) }));
  });
  afterAll(async () => {
    await edge?.stop(5_000);
    for (const a of Object.values(s ?? {})) {
      await a.blue.close();
      await a.green.close();
    }
  });

  it("picks the same route and upstream path for each host and path", async () => {
    const router = new Router(loadConfig(edgeEnv(s, { EDGE_ROUTES: JSON.stringify(routes) })).routes);
    const cases: [string, string][] = [
      ["api.example.com", "/v1"],
      ["api.example.com", "/v1/orders?x=1"],
      ["api.example.com", "/v10"],
      ["API.example.com:8080", "/v1/a"],
      ["api.example.com", "/other"],
      ["shop.example.com", "/"],
      ["shop.example.com", "/api/x"],
      ["shop.example.com", "/api"],
      ["example.com", "/shop/cart"],
      ["other.test", "/shop"],
      ["other.test", "/shopping"],
      ["other.test", "/"],
      ["a.b.example.com:99", "/x"],
    ];
    for (const [host, p] of cases) {
      const want = router.match(host, p);
      const got = await servedBy(edge.url, p, host);
      if (!want) {
        expect([host, p, got.status, got.body]).toEqual([host, p, 404, "no route for this host and path\n"]);
        continue;
      }
      expect([host, p, got.status, got.slot, got.body.path]).toEqual([host, p, 200, `${want.route.app}-blue`, want.upstreamPath]);
    }
  });
});

describe("EDGE_DATA_PLANE", () => {
  const base = {
    EDGE_APPS: JSON.stringify({ api: { blue: "http://b:1", green: "http://g:1" } }),
    EDGE_ROUTES: JSON.stringify([{ app: "api" }]),
    EDGE_ADMIN_TOKEN: TOKEN,
  };

  it("is validated, naming the variable and the fix", () => {
    expect(() => loadConfig({ ...base, EDGE_DATA_PLANE: "envoy" })).toThrow(new EdgeConfigError("EDGE_DATA_PLANE", "must be 'node' or 'haproxy', got 'envoy'"));
    expect(loadConfig(base).dataPlane).toEqual({ kind: "node" });
  });

  (HAPROXY ? it : it.skip)("refuses routes HAProxy's configuration language cannot carry as is", () => {
    expect(() => loadConfig({ ...base, EDGE_DATA_PLANE: "haproxy", EDGE_ROUTES: JSON.stringify([{ app: "api", pathPrefix: "/a b" }]) })).toThrow(
      /EDGE_ROUTES: 0.pathPrefix: '\/a b' holds characters the HAProxy data plane cannot route on/,
    );
    expect(loadConfig({ ...base, EDGE_DATA_PLANE: "haproxy" }).dataPlane).toMatchObject({ kind: "haproxy", bin: HAPROXY, pollIntervalMs: 250 });
  });

  it("the generated configuration holds no secret and passes haproxy -c", () => {
    const cfg = loadConfig({ ...base, EDGE_APPS: JSON.stringify({ api: { blue: "http://127.0.0.1:1", green: "https://127.0.0.1:2/base" } }) });
    const text = haproxyConfig({
      bindHost: "127.0.0.1",
      bindPort: 1,
      controlPort: 2,
      controlPrefixes: ["/ofrep/v1/"],
      apps: cfg.apps,
      routes: cfg.routes,
      socketPath: "/tmp/x.sock",
      mapPath: "/tmp/x.map",
      upstreamTimeoutMs: 1000,
      checkIntervalMs: 500,
      eventsPort: 3,
      passive: { enabled: true, consecutiveFailures: 5 },
    });
    expect(text).not.toContain(TOKEN);
    expect(text).toContain("observe layer7 error-limit 5 on-error mark-down");
    if (!HAPROXY) return;
    const dir = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "hacfg-"));
    fs.writeFileSync(path.join(dir, "h.cfg"), text.replace(/\/tmp\/x\.map/g, path.join(dir, "x.map")));
    fs.writeFileSync(path.join(dir, "x.map"), "api be_api_blue\n");
    const r = require("node:child_process").spawnSync(HAPROXY, ["-c", "-f", path.join(dir, "h.cfg")], { encoding: "utf8", timeout: 10_000 });
    fs.rmSync(dir, { recursive: true, force: true });
    expect([r.status, r.stderr.includes("ALERT") ? r.stderr : ""]).toEqual([0, ""]);
  });
});
