import { spawn, type ChildProcess } from "node:child_process";
import * as dgram from "node:dgram";
import * as fs from "node:fs";
import type * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { SLOTS, type AppUpstreams, type Route, type Slot } from "../config";
import type { DataPlane, DataPlaneStart, FailingReport } from "./data-plane";
import { activeMap, backendName, haproxyConfig } from "./haproxy-config";
import { RequestLogFollower } from "./haproxy-request-log";
import { parseStat, runtimeCommand, type StatRow } from "./haproxy-runtime";

/** What the HAProxy data plane needs from the edge. */
export interface HaproxyDataPlaneOptions {
  /** The haproxy binary (config.ts checked it exists). */
  bin: string;
  /** `setpriv`, when present: HAProxy then gets SIGKILL from the kernel if the edge's process dies. */
  setpriv?: string;
  instanceId: string;
  /** The public address and port (0: a free port, chosen at start). */
  bindHost: string;
  bindPort: number;
  apps: Record<string, AppUpstreams>;
  routes: Route[];
  upstreamTimeoutMs: number;
  checkIntervalMs: number;
  passive: { enabled: boolean; consecutiveFailures: number };
  /**
   * How often the control plane reads HAProxy's server states and sessions (`show stat`) besides HAProxy's own
   * announcements of a state change, which trigger a read at once (the poll is the safety net for a lost one).
   */
  pollIntervalMs: number;
  onFailing: FailingReport;
  /** One line per proxied request (haproxy-request-log.ts), for the edge's metrics. */
  onRequestLine: (line: string) => void;
  /** HAProxy exited while the edge was not stopping (the edge then drains and exits: Render replaces it). */
  onExit: (reason: string) => void;
  log: (msg: string) => void;
}

/**
 * The native data plane: HAProxy (Debian's package) started by the edge's process with a generated configuration
 * (`haproxy-config.ts`) and driven over its runtime API, a Unix socket in a private directory (mode 0700, the
 * socket and the configuration 0600; neither holds a secret). HAProxy takes the public port; the control plane's
 * paths (`/__edge/…`, the extensions' public prefixes) go to the edge's Node server on loopback.
 *
 * - **Switch**: `set map <file> <app> be_<app>_<slot>`: new requests go to the new slot's backend, requests in
 *   flight finish on the old one (HAProxy never moves a started request); never a reload. Idle keep-alive
 *   connections to both slots stay open.
 * - **Drain**: waits until the old slot's backend has no session and no queued request (`show stat`).
 * - **Passive detection**: `observe layer7` marks a slot's server down after `error-limit` consecutive failed
 *   requests (5xx, resets, timeouts), and HAProxy's health checks do on the health path; every `pollIntervalMs` the
 *   control plane reads `show stat` and reports an active slot whose server is down to the edge's one rollback rule
 *   (`HealthMonitor.reportFailing`), which moves traffic only to a warm slot that passed its analysis. HAProxy
 *   announces each server state change at once on a loopback UDP port (its log, only those events); the announcement
 *   is not trusted, it only makes the control plane read `show stat` over the 0600 socket now instead of at the
 *   next poll.
 * - **Metrics**: HAProxy writes one line per proxied request into a ring in its memory, which the control plane
 *   follows over the runtime API and records in the edge's metrics (`/__edge/metrics`, read by the promotion).
 */
export class HaproxyDataPlane implements DataPlane {
  readonly kind = "haproxy" as const;
  readonly servesPublicPort = false;
  private dir = "";
  private socketPath = "";
  private mapPath = "";
  private child?: ChildProcess;
  private stopping = false;
  private started = false;
  private poller?: NodeJS.Timeout;
  /** The routing map the control plane wants, and what HAProxy was last told (the poll re-sends a difference). */
  private desired: Record<string, Slot> = {};
  private applied: Record<string, Slot> = {};
  /** Runtime commands, one at a time, in order (a switch's `set map` before the drain's reads). */
  private chain: Promise<void> = Promise.resolve();
  private rows = new Map<string, StatRow>();
  private readonly lastReport = new Map<string, number>();
  private pollFailures = 0;
  private stderr = "";
  private events?: dgram.Socket;
  private polling?: Promise<void>;
  private pollAgain = false;
  private requests?: RequestLogFollower;

  constructor(private readonly o: HaproxyDataPlaneOptions) {}

  /** HAProxy's process id (the bench adds its CPU to the edge's). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(s: DataPlaneStart): Promise<string> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-haproxy-"));
    fs.chmodSync(this.dir, 0o700);
    this.socketPath = path.join(this.dir, "runtime.sock");
    this.mapPath = path.join(this.dir, "active.map");
    const port = this.o.bindPort || (await freePort(this.o.bindHost));
    const events = dgram.createSocket("udp4");
    this.events = events;
    events.on("error", (e) => this.o.log(`data plane: HAProxy's event socket failed (${e.message}); the poll still runs`));
    // Whatever arrives only triggers a read of the authoritative state over the runtime API.
    events.on("message", () => void this.poll());
    await new Promise<void>((r) => events.bind(0, "127.0.0.1", () => r()));
    this.desired = { ...s.active };
    this.applied = { ...s.active };
    fs.writeFileSync(this.mapPath, activeMap(s.active), { mode: 0o600 });
    const cfgPath = path.join(this.dir, "haproxy.cfg");
    const cfg = haproxyConfig({
      bindHost: this.o.bindHost,
      bindPort: port,
      controlPort: s.controlPort,
      controlPrefixes: s.controlPrefixes,
      apps: this.o.apps,
      routes: this.o.routes,
      socketPath: this.socketPath,
      mapPath: this.mapPath,
      upstreamTimeoutMs: this.o.upstreamTimeoutMs,
      checkIntervalMs: this.o.checkIntervalMs,
      passive: this.o.passive,
      eventsPort: events.address().port,
    });
    fs.writeFileSync(cfgPath, cfg, { mode: 0o600 });
    const args = ["-db", "-f", cfgPath];
    const [cmd, argv] = this.o.setpriv ? [this.o.setpriv, ["--pdeathsig", "KILL", this.o.bin, ...args]] : [this.o.bin, args];
    const child = spawn(cmd, argv, { stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    child.stderr!.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString("utf8")).slice(-4_000);
      for (const line of d.toString("utf8").split("\n")) if (line.trim()) this.o.log(`haproxy: ${line.trim().slice(0, 300)}`);
    });
    child.on("exit", (code, signal) => {
      if (this.stopping || !this.started) return;
      this.o.onExit(`haproxy exited (${signal ?? `code ${code}`})`);
    });
    const exited = new Promise<never>((_, reject) =>
      child.once("exit", (code) => reject(new Error(`haproxy exited with ${code} at start: ${this.stderr.trim().slice(-600)}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([exited, this.waitReady(port)]);
    this.started = true;
    this.requests = new RequestLogFollower(this.socketPath, this.o.onRequestLine, this.o.log);
    this.requests.start();
    this.o.log(`data plane: haproxy (pid ${child.pid}) on ${this.o.bindHost}:${port}, runtime API ${this.socketPath}`);
    this.poller = setInterval(() => void this.poll(), this.o.pollIntervalMs);
    this.poller.unref?.();
    const host = this.o.bindHost === "0.0.0.0" || this.o.bindHost === "::" ? "127.0.0.1" : this.o.bindHost;
    return `http://${host}:${port}`;
  }

  /** Until the runtime API answers and the public port accepts connections (10 s at most). */
  private async waitReady(port: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await runtimeCommand(this.socketPath, "show info", 500);
        await new Promise<void>((resolve, reject) => {
          const c = net.createConnection({ host: this.o.bindHost === "0.0.0.0" ? "127.0.0.1" : this.o.bindHost, port });
          c.once("connect", () => {
            c.destroy();
            resolve();
          });
          c.once("error", reject);
        });
        return;
      } catch (e) {
        if (Date.now() > deadline)
          throw new Error(`haproxy did not become ready within 10 s: ${(e as Error).message}; ${this.stderr.trim().slice(-600)}`, { cause: e });
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }

  /** Requests the Node server got that are not the control plane's: HAProxy never sends those (a direct caller may). */
  handle(_req: http.IncomingMessage, res: http.ServerResponse): void {
    _req.resume();
    res
      .writeHead(404, { "content-type": "text/plain", "x-edge": "control-plane-only" })
      .end("this port serves the edge's control plane only; send traffic to the public port\n");
  }

  setActive(active: Record<string, Slot>): Promise<void> {
    this.desired = { ...active };
    // Before start the map file is written from the routing map handed to start().
    if (!this.started) return Promise.resolve();
    return this.enqueue(() => this.sync());
  }

  /** Tells HAProxy every app whose backend differs from the desired map. */
  private async sync(): Promise<void> {
    for (const [app, slot] of Object.entries(this.desired)) {
      if (this.applied[app] === slot) continue;
      const answer = await runtimeCommand(this.socketPath, `set map ${this.mapPath} ${app} ${backendName(app, slot)}`);
      if (answer.trim() !== "") throw new Error(`HAProxy refused the switch of ${app} to ${slot}: ${answer.trim().slice(0, 200)}`);
      this.applied[app] = slot;
    }
  }

  private enqueue(f: () => Promise<void>): Promise<void> {
    const next = this.chain.then(f).catch((e: unknown) => this.o.log(`data plane: ${(e as Error).message}; retried at the next poll`));
    this.chain = next;
    return next;
  }

  async drained(app: string, slot: Slot, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    await this.chain;
    for (;;) {
      try {
        await this.readStats();
        if (this.inFlight(app, slot) === 0) return true;
      } catch {
        // a slow answer: try again until the deadline
      }
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  inFlight(app: string, slot: Slot): number {
    const r = this.rows.get(`${backendName(app, slot)}/BACKEND`);
    return r ? r.scur + r.qcur : 0;
  }

  inFlightTotal(): number {
    let n = 0;
    for (const app of Object.keys(this.o.apps)) for (const slot of SLOTS) n += this.inFlight(app, slot);
    return n;
  }

  private async readStats(): Promise<void> {
    const rows = parseStat(await runtimeCommand(this.socketPath, "show stat -1 6 -1", 1_000));
    const m = new Map<string, StatRow>();
    for (const r of rows) m.set(`${r.proxy}/${r.name}`, r);
    this.rows = m;
  }

  /** One look at HAProxy (coalesced: a request for one while one runs makes one more after it). */
  private poll(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return this.polling;
    }
    this.polling = this.pollOnce().finally(() => {
      this.polling = undefined;
      if (this.pollAgain) {
        this.pollAgain = false;
        void this.poll();
      }
    });
    return this.polling;
  }

  /** Sessions, server states; an active slot marked down is reported; a lost `set map` re-sent. */
  private async pollOnce(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.readStats();
      this.pollFailures = 0;
    } catch (e) {
      if (++this.pollFailures === 5) this.o.log(`data plane: HAProxy's runtime API does not answer (${(e as Error).message})`);
      return;
    }
    if (Object.entries(this.desired).some(([a, s]) => this.applied[a] !== s)) void this.enqueue(() => this.sync());
    const now = Date.now();
    for (const [app, slot] of Object.entries(this.applied)) {
      const key = `${app}/${slot}`;
      const server = this.rows.get(`${backendName(app, slot)}/${slot}`);
      if (!server || !server.status.startsWith("DOWN")) {
        this.lastReport.delete(key);
        continue;
      }
      // Reported at once, then at most every 250 ms while it stays down and active (a warm slot may become healthy).
      const last = this.lastReport.get(key);
      if (last !== undefined && now - last < 250) continue;
      this.lastReport.set(key, now);
      const why = server.lastCheck || server.checkStatus || "observed errors";
      this.o.onFailing(
        app,
        slot,
        `HAProxy marked the slot's server down (${why}; ${server.hrsp5xx} 5xx, ${server.eresp + server.econ} connection/response errors so far)`,
      );
    }
  }

  /**
   * Soft stop (SIGUSR1): HAProxy closes its listener and exits once the requests in flight are done; SIGTERM after
   * `graceMs`, SIGKILL 2 s later. The private directory is removed.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.poller) clearInterval(this.poller);
    this.events?.close();
    this.requests?.stop();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once("exit", () => r()));
      child.kill("SIGUSR1");
      const t1 = setTimeout(() => child.kill("SIGTERM"), graceMs);
      const t2 = setTimeout(() => child.kill("SIGKILL"), graceMs + 2_000);
      await gone;
      clearTimeout(t1);
      clearTimeout(t2);
    }
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A free port on `host` (bind to 0, read, release), for `PORT=0`. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
