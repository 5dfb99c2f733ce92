import { chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { freePort, KeyedQueue, ownedDir, reachableBy, reservePort, run, type RunAs } from "./exec";
import type { RedisInstall } from "./redis-binaries";

/** What the manager needs to know of a Render Key Value record. */
export interface KvInstance {
  id: string;
  password: string;
  maxmemoryPolicy: string;
  /** `off` (free plan) or `aof`, as Render's `options.persistenceMode`. */
  persistence: "off" | "aof";
}

/** The real server behind one Key Value instance. */
export interface KvServerInfo {
  port: number;
  /** `restarting`: a configuration change is being applied (Render's `config_restart`). */
  state: "provisioning" | "restarting" | "ready" | "stopped" | "failed";
  error?: string;
}

const STEP_TIMEOUT_MS = 30_000;

/**
 * Real `redis-server` processes behind the embedded Render's Key Value (and legacy Redis) instances: one per
 * instance, on a free loopback port, with its data (AOF when the plan persists) under
 * `<stateDir>/databases/keyvalue/<id>/`. Render's internal connections need no password (private network); external
 * ones log in as the user named by the instance id with its password: both work here (`default` user without a
 * password, plus an ACL user `<id>`).
 */
export class RedisServers {
  readonly root: string;
  private readonly queue = new KeyedQueue();
  private readonly servers = new Map<string, KvServerInfo>();
  /** Configuration changes being applied per instance (stop, rewrite, start); two PATCHes may overlap. */
  private readonly restarting = new Map<string, number>();
  private readonly indexFile: string;
  private readonly runAs: RunAs;

  constructor(
    private readonly install: RedisInstall,
    stateDir: string,
    private readonly log: (line: string) => void,
  ) {
    this.runAs = install.runAs;
    const preferred = join(stateDir, "databases", "keyvalue");
    mkdirSync(preferred, { recursive: true, mode: 0o711 });
    if (reachableBy(preferred, this.runAs, stateDir)) this.root = preferred;
    else {
      this.root = join(tmpdir(), `stackguard-sim-kv-${createHash("sha256").update(stateDir).digest("hex").slice(0, 16)}`);
      mkdirSync(this.root, { recursive: true, mode: 0o711 });
      writeFileSync(join(preferred, "LOCATION"), `${this.root}\n`);
    }
    this.indexFile = join(preferred, "servers.json");
  }

  info(id: string): KvServerInfo | undefined {
    const s = this.servers.get(id);
    return s && this.restarting.has(id) && s.state !== "failed" ? { ...s, state: "restarting" } : s;
  }

  private dir(id: string): string {
    return join(this.root, id);
  }

  private index(): Record<string, { port: number }> {
    try {
      return JSON.parse(readFileSync(this.indexFile, "utf8")) as Record<string, { port: number }>;
    } catch {
      return {};
    }
  }

  private setIndex(id: string, port: number | undefined): void {
    const idx = this.index();
    if (port === undefined) delete idx[id];
    else idx[id] = { port };
    const tmp = `${this.indexFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(idx, null, 2), { mode: 0o600 });
    renameSync(tmp, this.indexFile);
  }

  private pidFile(id: string): string {
    return join(this.dir(id), "redis.pid");
  }

  private pid(id: string): number | undefined {
    try {
      const pid = Number(readFileSync(this.pidFile(id), "utf8").trim());
      if (!pid) return undefined;
      process.kill(pid, 0);
      return pid;
    } catch {
      return undefined;
    }
  }

  private writeConf(inst: KvInstance, port: number): string {
    const dir = this.dir(inst.id);
    const policy = inst.maxmemoryPolicy.replace(/_/g, "-");
    const lines = [
      "# Written by the embedded Render before every start.",
      "bind 127.0.0.1",
      `port ${port}`,
      "daemonize yes",
      `pidfile ${this.pidFile(inst.id)}`,
      `dir ${dir}`,
      `logfile ${join(dir, "server.log")}`,
      `maxmemory-policy ${policy}`,
      "maxmemory 256mb",
      `appendonly ${inst.persistence === "aof" ? "yes" : "no"}`,
      'save ""',
      "protected-mode no",
      "user default on nopass ~* &* +@all",
      `user ${inst.id} on >${inst.password} ~* &* +@all`,
    ];
    const file = join(dir, "redis.conf");
    writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
    if (this.runAs.uid !== undefined) chownSync(file, this.runAs.uid, this.runAs.gid ?? this.runAs.uid);
    return file;
  }

  private async startServer(inst: KvInstance): Promise<void> {
    const id = inst.id;
    const prev = this.index()[id]?.port;
    if (this.pid(id) && prev) {
      this.servers.set(id, { port: prev, state: "ready" });
      return;
    }
    const port = await freePort(prev);
    this.setIndex(id, port);
    this.servers.set(id, { port, state: "provisioning" });
    const conf = this.writeConf(inst, port);
    const r = await run(this.runAs, this.install.server, [conf], { timeoutMs: STEP_TIMEOUT_MS });
    if (r.code !== 0) throw new Error(`redis-server failed to start (exit ${r.code}): ${(r.stderr || r.stdout).trim().split("\n").slice(-2).join(" | ")}`);
    await waitForPort(port, STEP_TIMEOUT_MS);
    this.servers.set(id, { port, state: "ready" });
  }

  private async stopServer(id: string): Promise<void> {
    const pid = this.pid(id);
    if (!pid) return;
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    while (this.pid(id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (this.pid(id)) process.kill(pid, "SIGKILL");
  }

  /** A new, empty server for `inst` (or its existing data after a restart). */
  start(inst: KvInstance): Promise<void> {
    let port = this.servers.get(inst.id)?.port || this.index()[inst.id]?.port;
    if (!port) {
      // Reserved now: the connection strings the API shows from the create answer on stay valid.
      port = reservePort(Object.values(this.index()).map((x) => x.port));
      this.setIndex(inst.id, port);
    }
    this.servers.set(inst.id, { port, state: "provisioning" });
    return this.queue.run(inst.id, async () => {
      try {
        ownedDir(this.dir(inst.id), this.runAs);
        await this.startServer(inst);
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        this.servers.set(inst.id, { port: this.servers.get(inst.id)?.port ?? 0, state: "failed", error });
        this.log(`key value ${inst.id}: ${error}`);
      }
    });
  }

  /** Applies a changed password or eviction policy: rewrites the config and restarts (data kept with AOF). */
  reconfigure(inst: KvInstance): Promise<void> {
    // From now, not from when the queue gets to it: the API's next answer must not say `available` for the old server.
    this.restarting.set(inst.id, (this.restarting.get(inst.id) ?? 0) + 1);
    return this.queue
      .run(inst.id, async () => {
        await this.stopServer(inst.id);
      })
      .then(() => this.start(inst))
      .finally(() => {
        const left = (this.restarting.get(inst.id) ?? 1) - 1;
        if (left > 0) this.restarting.set(inst.id, left);
        else this.restarting.delete(inst.id);
      });
  }

  /** Stops the server, keeping its data (suspend, simulator stop). */
  stop(id: string): Promise<void> {
    const now = this.servers.get(id);
    if (now) now.state = "stopped";
    return this.queue.run(id, async () => {
      await this.stopServer(id);
      const s = this.servers.get(id);
      if (s) s.state = "stopped";
    });
  }

  /** Stops the server and deletes its data (the instance was deleted). */
  remove(id: string): Promise<void> {
    return this.queue.run(id, async () => {
      await this.stopServer(id);
      rmSync(this.dir(id), { recursive: true, force: true });
      this.servers.delete(id);
      this.setIndex(id, undefined);
    });
  }

  /** Starts every instance that is not suspended (simulator start). */
  async startAll(instances: Array<KvInstance & { suspended: boolean }>): Promise<void> {
    await Promise.all(
      instances.map((i) =>
        i.suspended ? (this.servers.set(i.id, { port: this.index()[i.id]?.port ?? 0, state: "stopped" }), Promise.resolve()) : this.start(i),
      ),
    );
  }

  async stopAll(): Promise<void> {
    await this.queue.idle();
    await Promise.all([...this.servers.keys()].map((id) => this.stop(id).catch(() => undefined)));
  }

  /** Whether the instance's data directory exists (tests). */
  hasData(id: string): boolean {
    return existsSync(this.dir(id));
  }
}

function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve();
      });
      s.once("error", () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}
