import { spawn, type ChildProcess } from "node:child_process";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { track } from "./reaper";
import type { ServiceLog } from "./service-log";

const GUARD = join(__dirname, "child-guard.ts");
const TS_NODE = require.resolve("ts-node/register/transpile-only");

/** How to start one instance of a project app. */
export interface ChildSpec {
  /** Absolute path of the app's `index.ts`. */
  entry: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  instanceId: string;
  /** Internal port the app listens on (its `PORT`). */
  port: number;
  host: string;
  log: ServiceLog;
  secrets: readonly string[];
}

/**
 * One running instance of a project app: `node -r ts-node/register/transpile-only apps/<app>/index.ts` with the
 * service's env, its output in the service log, a keep-alive agent for the front's proxy, and a graceful stop.
 */
export class ChildInstance {
  readonly id: string;
  readonly port: number;
  readonly host: string;
  /** Connections from the front to this instance; reused across requests (keep-alive). */
  readonly agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, scheduling: "lifo" });
  /** Requests being proxied to this instance right now (a stop waits for them to drain). */
  inflight = 0;
  /** Consecutive failed restarts of the instance this one replaces (drives the restart back-off). */
  restarts = 0;
  private readonly proc: ChildProcess;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private stopping = false;
  /** The last non-empty line the app wrote to stderr (already redacted): quoted when it fails to start. */
  private lastStderr = "";

  constructor(
    private readonly spec: ChildSpec,
    onUnexpectedExit: (c: ChildInstance, reason: string) => void,
  ) {
    this.id = spec.instanceId;
    this.port = spec.port;
    this.host = spec.host;
    this.proc = spawn(process.execPath, ["-r", TS_NODE, "-r", GUARD, spec.entry], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    track(this.proc);
    spec.log.attach(this.proc.stdout!, this.id, "stdout", spec.secrets);
    spec.log.attach(this.proc.stderr!, this.id, "stderr", spec.secrets, (line) => {
      if (line.trim()) this.lastStderr = line.length > 300 ? `${line.slice(0, 300)}…` : line;
    });
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.exitInfo) return;
        this.exitInfo = { code, signal };
        this.agent.destroy();
        const how = signal ? `signal ${signal}` : `code ${code}`;
        spec.log.event(this.id, `exited with ${how}`);
        if (!this.stopping) onUnexpectedExit(this, `exited with ${how}`);
        resolve();
      };
      // Settle once the output is read too (its last lines explain a failed start), but not later than 250 ms after
      // the exit: a grandchild holding the pipes open must not delay it.
      let closed = false;
      this.proc.once("close", (code, signal) => {
        closed = true;
        done(code, signal);
      });
      this.proc.once("exit", (code, signal) => {
        if (!closed) setTimeout(() => done(code, signal), 250).unref();
      });
      this.proc.once("error", (e) => {
        spec.log.event(this.id, `could not start: ${e.message}`, spec.secrets);
        done(null, null);
      });
    });
    spec.log.event(this.id, `starting ${spec.entry} on port ${spec.port} (pid ${this.proc.pid})`);
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }
  get alive(): boolean {
    return !this.exitInfo;
  }

  /**
   * Resolves once the instance answers: an HTTP 2xx/3xx on `healthPath`, or an open port when there is none (as
   * Render checks). Rejects with the reason when it exits, `timeoutMs` passes, or `signal` aborts.
   */
  async waitReady(healthPath: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "no answer yet";
    while (true) {
      if (this.exitInfo) throw new Error(`instance ${this.id} ${describeExit(this.exitInfo)} before it answered${this.stderrHint()}`);
      if (signal?.aborted) throw new Error("superseded by a newer apply");
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`instance ${this.id} did not answer ${healthPath || `on port ${this.port}`} within ${timeoutMs} ms (last: ${last})`);
      const result = await (healthPath ? this.probeHttp(healthPath, Math.min(remaining, 2_000)) : this.probeTcp(Math.min(remaining, 2_000)));
      if (result === true) {
        this.spec.log.event(this.id, `ready (${healthPath || "port open"})`);
        return;
      }
      last = result;
      await new Promise((r) => setTimeout(r, Math.min(100, Math.max(0, deadline - Date.now()))));
    }
  }

  /** Whether it stays alive for `ms` (background workers have no health check: surviving start-up is "started"). */
  async survives(ms: number, signal?: AbortSignal): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([this.exited.then(() => "exited"), new Promise((r) => (timer = setTimeout(() => r("alive"), ms)))]);
    clearTimeout(timer);
    if (settled === "exited") throw new Error(`instance ${this.id} ${describeExit(this.exitInfo!)} during start-up${this.stderrHint()}`);
    if (signal?.aborted) throw new Error("superseded by a newer apply");
    this.spec.log.event(this.id, "started");
  }

  /**
   * Stops gracefully: waits for in-flight proxied requests (up to `graceMs`), sends SIGTERM, and SIGKILL once
   * `graceMs` has passed without an exit.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.exitInfo) return;
    this.stopping = true;
    const deadline = Date.now() + graceMs;
    while (this.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.spec.log.event(this.id, "stopping (SIGTERM)");
    this.proc.kill("SIGTERM");
    const timer = setTimeout(
      () => {
        if (!this.exitInfo) {
          this.spec.log.event(this.id, `still running after ${graceMs} ms: SIGKILL`);
          this.proc.kill("SIGKILL");
        }
      },
      Math.max(0, deadline - Date.now()),
    );
    await this.exited;
    clearTimeout(timer);
  }

  /** Kills at once (the simulator is stopping or a start was abandoned). */
  async kill(): Promise<void> {
    if (this.exitInfo) return;
    this.stopping = true;
    this.proc.kill("SIGKILL");
    await this.exited;
  }

  private stderrHint(): string {
    return this.lastStderr ? ` (last stderr: ${this.lastStderr})` : "";
  }

  private probeHttp(path: string, timeoutMs: number): Promise<true | string> {
    return new Promise((resolve) => {
      const req = request({ host: this.host, port: this.port, path, method: "GET", timeout: timeoutMs, agent: false }, (res) => {
        res.resume();
        const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400;
        resolve(ok ? true : `HTTP ${res.statusCode}`);
      });
      req.on("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
      req.on("error", (e) => resolve((e as NodeJS.ErrnoException).code ?? e.message));
      req.end();
    });
  }

  private probeTcp(timeoutMs: number): Promise<true | string> {
    return new Promise((resolve) => {
      const s = connect({ host: this.host, port: this.port, timeout: timeoutMs });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("timeout", () => {
        s.destroy();
        resolve("timeout");
      });
      s.once("error", (e) => resolve((e as NodeJS.ErrnoException).code ?? e.message));
    });
  }
}

function describeExit(e: { code: number | null; signal: NodeJS.Signals | null }): string {
  return e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
}
