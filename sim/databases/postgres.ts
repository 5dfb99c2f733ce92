import { createHash, randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "pg";
import { chownTree, freePort, KeyedQueue, ownedDir, reachableBy, reservePort, run, runOk, type RunAs } from "./exec";
import type { PostgresInstall } from "./postgres-binaries";

/** What the manager needs to know of a Render Postgres record. */
export interface PgInstance {
  id: string;
  databaseName: string;
  databaseUser: string;
  password: string;
}

/** The real server behind one instance, as the API needs it. */
export interface PgServerInfo {
  port: number;
  state: "provisioning" | "ready" | "stopped" | "failed";
  error?: string;
}

/** One base backup of a cluster: taken with `pg_basebackup`, usable for any recovery target after `completedAt`. */
interface BaseBackup {
  dir: string;
  completedAt: number;
}

/** The superuser the simulator administers each cluster with (never shown by the API). */
const ADMIN = "render_sim";
const STEP_TIMEOUT_MS = 120_000;
/** Replaying archived WAL of a large database can take long: bounded, but generously. */
const RECOVERY_TIMEOUT_MS = 60 * 60_000;

function ident(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * Real PostgreSQL servers behind the embedded Render's Postgres instances: one cluster per instance (its own data
 * directory, port, WAL archive and base backups) under `<stateDir>/databases/postgres/<id>/`, run with Debian's
 * `initdb`/`pg_ctl` as a non-root account. Every operation on one instance is serialised.
 *
 * - create: `initdb`, start on a free loopback port, create the instance's role and database with the API's
 *   credentials, take a first base backup; `ready` only then.
 * - WAL: `archive_mode = on`, each segment copied to `<id>/wal/`; `track_commit_timestamp = on` (restore
 *   verification reads commit times).
 * - point-in-time recovery: the newest base backup of the source completed before the target, copied into a new
 *   cluster, replaying the source's archived WAL up to `recovery_target_time`, then promoted.
 * - export: `pg_dump` in directory format, packed as `<export id>.dir.tar.gz` (Render's logical backup format).
 */
export class PostgresServers {
  readonly root: string;
  private readonly queue = new KeyedQueue();
  private readonly servers = new Map<string, PgServerInfo>();
  private readonly runAs: RunAs;
  private readonly indexFile: string;
  private stopping = false;

  constructor(
    private readonly install: PostgresInstall,
    stateDir: string,
    private readonly log: (line: string) => void,
  ) {
    this.runAs = install.runAs;
    const preferred = join(stateDir, "databases", "postgres");
    mkdirSync(preferred, { recursive: true, mode: 0o711 });
    // The database account must reach its cluster: under the state directory when it can, else in the OS temp dir.
    this.root = reachableBy(preferred, this.runAs, stateDir) ? preferred : this.fallbackRoot(stateDir, preferred);
    chmodSync(this.root, 0o711);
    this.indexFile = join(preferred, "servers.json");
  }

  private fallbackRoot(stateDir: string, preferred: string): string {
    const dir = join(tmpdir(), `stackguard-sim-pg-${createHash("sha256").update(stateDir).digest("hex").slice(0, 16)}`);
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    writeFileSync(join(dir, "state-dir"), `${stateDir}\n`);
    writeFileSync(join(preferred, "LOCATION"), `${dir}\n`);
    return dir;
  }

  /** Version of the server binaries (shown in logs; the API keeps the version the instance was created with). */
  get version(): string {
    return this.install.version;
  }

  info(id: string): PgServerInfo | undefined {
    return this.servers.get(id);
  }

  private dir(id: string): string {
    return join(this.root, id);
  }

  private data(id: string): string {
    return join(this.dir(id), "data");
  }

  private adminFile(id: string): string {
    return join(this.root, `${id}.admin`);
  }

  private adminPassword(id: string): string {
    return readFileSync(this.adminFile(id), "utf8").trim();
  }

  private readIndex(): Record<string, { port: number }> {
    try {
      return JSON.parse(readFileSync(this.indexFile, "utf8")) as Record<string, { port: number }>;
    } catch {
      return {};
    }
  }

  private writeIndex(mutate: (idx: Record<string, { port: number }>) => void): void {
    const idx = this.readIndex();
    mutate(idx);
    const tmp = `${this.indexFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(idx, null, 2), { mode: 0o600 });
    renameSync(tmp, this.indexFile);
  }

  private bin(name: string): string {
    return join(this.install.bin, name);
  }

  private async admin<T>(id: string, database: string, fn: (c: Client) => Promise<T>): Promise<T> {
    const info = this.servers.get(id);
    if (!info) throw new Error(`no server for ${id}`);
    const c = new Client({
      host: "127.0.0.1",
      port: info.port,
      user: ADMIN,
      password: this.adminPassword(id),
      database,
      connectionTimeoutMillis: 10_000,
      statement_timeout: STEP_TIMEOUT_MS,
    });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /** The settings the simulator owns, rewritten before every start (port, archive, recovery). */
  private writeSimConf(id: string, port: number, recovery?: { fromArchive: string; target?: Date }): void {
    const q = (p: string) => p.replace(/'/g, "''");
    const archive = join(this.dir(id), "wal");
    const lines = [
      "# Written by the embedded Render before every start; edit postgresql.conf instead.",
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      "unix_socket_directories = ''",
      "shared_buffers = 16MB",
      "wal_level = replica",
      "archive_mode = on",
      `archive_command = 'test ! -f "${q(archive)}/%f" && cp "%p" "${q(archive)}/%f"'`,
      "track_commit_timestamp = on",
      // Simulator durability: the WAL content is PostgreSQL's own (what recovery replays); only the fsyncs are skipped.
      "fsync = off",
      "synchronous_commit = off",
      "logging_collector = off",
      "log_min_messages = warning",
    ];
    if (recovery) {
      lines.push(`restore_command = 'cp "${q(recovery.fromArchive)}/%f" "%p"'`);
      // PostgreSQL's timestamptz input, not ISO 8601's `T`/`Z` form.
      if (recovery.target) lines.push(`recovery_target_time = '${recovery.target.toISOString().replace("T", " ").replace("Z", "+00")}'`);
      else lines.push("recovery_target = 'immediate'");
      lines.push("recovery_target_action = 'promote'");
    }
    const file = join(this.data(id), "sim.conf");
    writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
    if (this.runAs.uid !== undefined) chownSync(file, this.runAs.uid, this.runAs.gid ?? this.runAs.uid);
  }

  private async pgCtl(id: string, args: string[], timeoutMs = STEP_TIMEOUT_MS) {
    return run(this.runAs, this.bin("pg_ctl"), ["-D", this.data(id), ...args], { timeoutMs });
  }

  private async isRunning(id: string): Promise<boolean> {
    if (!existsSync(join(this.data(id), "PG_VERSION"))) return false;
    return (await this.pgCtl(id, ["status"], 15_000)).code === 0;
  }

  private async startServer(id: string, opts: { recovery?: { fromArchive: string; target?: Date }; timeoutMs?: number } = {}): Promise<void> {
    const prev = this.readIndex()[id]?.port;
    if (await this.isRunning(id)) {
      // Left running by a simulator that did not stop it (killed): reuse it on its port.
      const pidLine = readFileSync(join(this.data(id), "postmaster.pid"), "utf8").split("\n")[3];
      const port = Number(pidLine) || prev;
      if (port) {
        this.servers.set(id, { port, state: "provisioning" });
        return;
      }
    }
    const port = await freePort(prev);
    this.writeSimConf(id, port, opts.recovery);
    this.writeIndex((idx) => (idx[id] = { port }));
    this.servers.set(id, { port, state: "provisioning" });
    const timeoutMs = opts.timeoutMs ?? STEP_TIMEOUT_MS;
    const r = await this.pgCtl(id, ["-l", join(this.dir(id), "server.log"), "-w", "-t", String(Math.ceil(timeoutMs / 1000)), "start"], timeoutMs + 5_000);
    if (r.code !== 0) throw new Error(`pg_ctl start failed (exit ${r.code}): ${this.logTail(id)}`);
  }

  private logTail(id: string): string {
    try {
      return readFileSync(join(this.dir(id), "server.log"), "utf8")
        .trim()
        .split("\n")
        .slice(-3)
        .join(" | ");
    } catch {
      return "no server log";
    }
  }

  private markReady(id: string): void {
    writeFileSync(join(this.root, `${id}.ready`), new Date().toISOString());
    const s = this.servers.get(id);
    if (s) s.state = "ready";
  }

  private fail(id: string, e: unknown): void {
    const error = e instanceof Error ? e.message : String(e);
    const s = this.servers.get(id) ?? { port: 0, state: "failed" as const };
    this.servers.set(id, { ...s, state: "failed", error });
    this.log(`postgres ${id}: ${error}`);
  }

  /** A new, empty cluster for `inst`, with its role and database; `seedSql` runs in that database as its owner. */
  /** The instance's port: kept from before, else reserved now (so the connection info never changes later). */
  private portFor(id: string): number {
    const idx = this.readIndex();
    const known = idx[id]?.port;
    if (known) return known;
    const port = reservePort(Object.values(idx).map((x) => x.port));
    this.writeIndex((i) => (i[id] = { port }));
    return port;
  }

  provision(inst: PgInstance, seedSql?: string): Promise<void> {
    this.servers.set(inst.id, { port: this.portFor(inst.id), state: "provisioning" });
    return this.queue.run(inst.id, async () => {
      try {
        await this.create(inst, seedSql);
        this.markReady(inst.id);
      } catch (e) {
        this.fail(inst.id, e);
      }
    });
  }

  /**
   * An `initdb`'d, cleanly shut down cluster kept once per machine and server version in the cache
   * (`${STACKGUARD_CACHE:-~/.cache}/stackguard/postgres-template/<version>`): a new instance copies it, which costs a
   * fraction of `initdb`'s CPU. Built in a private temporary directory, then renamed into place (concurrent builders:
   * the first rename wins).
   */
  private async template(): Promise<{ data: string; adminPassword: string }> {
    const cacheRoot = process.env.STACKGUARD_CACHE || process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
    const dir = join(cacheRoot, "stackguard", "postgres-template", `${this.install.version || "pg"}-v1`);
    const ready = () => existsSync(join(dir, "data", "PG_VERSION")) && existsSync(join(dir, "admin-password"));
    if (!ready()) {
      const work = join(tmpdir(), `stackguard-pg-template-${process.pid}-${randomBytes(4).toString("hex")}`);
      ownedDir(work, this.runAs);
      chmodSync(work, 0o711);
      try {
        const adminPw = randomBytes(24).toString("base64url");
        const pwFile = join(work, ".pw");
        writeFileSync(pwFile, adminPw, { mode: 0o600 });
        if (this.runAs.uid !== undefined) chownSync(pwFile, this.runAs.uid, this.runAs.gid ?? this.runAs.uid);
        await runOk(
          this.runAs,
          this.bin("initdb"),
          [
            "-D",
            join(work, "data"),
            "-U",
            ADMIN,
            `--pwfile=${pwFile}`,
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
            "--no-instructions",
          ],
          { timeoutMs: STEP_TIMEOUT_MS },
        );
        rmSync(pwFile, { force: true });
        const conf = join(work, "data", "postgresql.conf");
        writeFileSync(conf, `${readFileSync(conf, "utf8")}\ninclude 'sim.conf'\n`);
        writeFileSync(join(work, "admin-password"), adminPw, { mode: 0o600 });
        mkdirSync(join(dir, ".."), { recursive: true });
        try {
          renameSync(work, dir);
        } catch {
          // Another simulator built it first (or the cache is on another file system): copy when still missing.
          if (!ready()) await runOk({}, "cp", ["-a", work, dir], { timeoutMs: STEP_TIMEOUT_MS });
        }
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
    return { data: join(dir, "data"), adminPassword: readFileSync(join(dir, "admin-password"), "utf8").trim() };
  }

  private async create(inst: PgInstance, seedSql?: string): Promise<void> {
    const id = inst.id;
    await this.destroyFiles(id);
    ownedDir(this.dir(id), this.runAs);
    ownedDir(join(this.dir(id), "wal"), this.runAs);
    ownedDir(join(this.dir(id), "base"), this.runAs);
    const tpl = await this.template();
    writeFileSync(this.adminFile(id), tpl.adminPassword, { mode: 0o600 });
    await runOk({}, "cp", ["-a", tpl.data, this.data(id)], { timeoutMs: STEP_TIMEOUT_MS });
    chownTree(this.data(id), this.runAs);
    chmodSync(this.data(id), 0o700);
    // The copy is a cleanly shut down cluster: a consistent (cold) base backup that the archived WAL continues.
    const first = join(this.dir(id), "base", "0");
    await runOk({}, "cp", ["-a", this.data(id), first], { timeoutMs: STEP_TIMEOUT_MS });
    writeFileSync(join(this.root, `${id}.base-0.json`), JSON.stringify({ dir: first, completedAt: Date.now() } satisfies BaseBackup));
    await this.startServer(id);
    await this.admin(id, "postgres", async (c) => {
      await c.query(`CREATE ROLE ${ident(inst.databaseUser)} LOGIN PASSWORD ${literal(inst.password)}`);
      await c.query(`CREATE DATABASE ${ident(inst.databaseName)} OWNER ${ident(inst.databaseUser)}`);
    });
    if (seedSql) {
      const info = this.servers.get(id)!;
      const c = new Client({
        host: "127.0.0.1",
        port: info.port,
        user: inst.databaseUser,
        password: inst.password,
        database: inst.databaseName,
        connectionTimeoutMillis: 10_000,
      });
      await c.connect();
      try {
        await c.query(seedSql);
      } finally {
        await c.end().catch(() => undefined);
      }
    }
  }

  /** `pg_basebackup` of a running cluster into `<id>/base/<time>` (plain format, WAL streamed in). */
  private async baseBackup(id: string): Promise<BaseBackup> {
    const info = this.servers.get(id)!;
    const dir = join(this.dir(id), "base", String(Date.now()));
    await runOk(
      this.runAs,
      this.bin("pg_basebackup"),
      ["-h", "127.0.0.1", "-p", String(info.port), "-U", ADMIN, "-D", dir, "-X", "stream", "-c", "fast", "--no-sync", "-w"],
      { env: { PGPASSWORD: this.adminPassword(id) }, timeoutMs: RECOVERY_TIMEOUT_MS },
    );
    const backup = { dir, completedAt: Date.now() };
    writeFileSync(join(this.root, `${id}.base-${backup.completedAt}.json`), JSON.stringify(backup));
    return backup;
  }

  private baseBackups(id: string): BaseBackup[] {
    return readdirSync(this.root)
      .filter((f) => f.startsWith(`${id}.base-`) && f.endsWith(".json"))
      .map((f) => JSON.parse(readFileSync(join(this.root, f), "utf8")) as BaseBackup)
      .filter((b) => existsSync(b.dir))
      .sort((a, b) => a.completedAt - b.completedAt);
  }

  /**
   * Point-in-time recovery of `source` at `at` into a new cluster for `target` (same role and database names, the
   * target's own password). The source is asked to close its current WAL segment first (after a transaction, so the
   * archive holds a commit past `at` for recovery to stop at).
   */
  recover(source: PgInstance, target: PgInstance, at: Date): Promise<void> {
    this.servers.set(target.id, { port: this.portFor(target.id), state: "provisioning" });
    const work = async () => {
      const started = Date.now();
      try {
        // The source's last WAL must be archived before the copy replays it: on the source's own queue.
        await this.queue.run(source.id, () => this.flushWal(source.id));
        const backups = this.baseBackups(source.id);
        if (!backups.length) throw new Error(`${source.id} has no base backup yet`);
        const usable = backups.filter((b) => b.completedAt <= at.getTime());
        const base = usable.length ? usable[usable.length - 1] : backups[0];
        const id = target.id;
        await this.destroyFiles(id);
        ownedDir(this.dir(id), this.runAs);
        ownedDir(join(this.dir(id), "wal"), this.runAs);
        ownedDir(join(this.dir(id), "base"), this.runAs);
        await runOk(this.runAs, "cp", ["-a", base.dir, this.data(id)], { timeoutMs: RECOVERY_TIMEOUT_MS });
        rmSync(join(this.data(id), "postmaster.pid"), { force: true });
        writeFileSync(join(this.data(id), "recovery.signal"), "");
        chownTree(this.data(id), this.runAs);
        writeFileSync(this.adminFile(id), this.adminPassword(source.id), { mode: 0o600 });
        // Before the first base backup completed there is nothing to replay to: the state right after it.
        await this.startServer(id, {
          recovery: { fromArchive: join(this.dir(source.id), "wal"), target: usable.length ? at : undefined },
          timeoutMs: RECOVERY_TIMEOUT_MS,
        });
        await this.waitPromoted(id);
        const info = this.servers.get(id)!;
        // Later starts are ordinary: no recovery settings.
        this.writeSimConf(id, info.port);
        await this.admin(id, "postgres", async (c) => {
          // A time before the source's role and database were created recovers to an empty instance: make them.
          const role = await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [target.databaseUser]);
          if (role.rowCount) await c.query(`ALTER ROLE ${ident(target.databaseUser)} PASSWORD ${literal(target.password)}`);
          else await c.query(`CREATE ROLE ${ident(target.databaseUser)} LOGIN PASSWORD ${literal(target.password)}`);
          const db = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [target.databaseName]);
          if (!db.rowCount) await c.query(`CREATE DATABASE ${ident(target.databaseName)} OWNER ${ident(target.databaseUser)}`);
        });
        await this.baseBackup(id);
        this.markReady(id);
        this.log(`postgres ${id}: recovered ${source.id} at ${at.toISOString()} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } catch (e) {
        this.fail(target.id, e);
      }
    };
    return this.queue.run(target.id, work);
  }

  private async flushWal(id: string): Promise<void> {
    const segment = await this.admin(id, "postgres", async (c) => {
      await c.query("SELECT txid_current()");
      const r = await c.query<{ f: string }>("SELECT pg_walfile_name(pg_switch_wal()) AS f");
      return r.rows[0].f;
    });
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    for (;;) {
      const last = await this.admin(
        id,
        "postgres",
        async (c) => (await c.query<{ w: string | null }>("SELECT last_archived_wal AS w FROM pg_stat_archiver")).rows[0].w,
      );
      if (last && last >= segment) return;
      if (Date.now() > deadline) throw new Error(`WAL segment ${segment} of ${id} was not archived in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async waitPromoted(id: string): Promise<void> {
    const deadline = Date.now() + RECOVERY_TIMEOUT_MS;
    for (;;) {
      const inRecovery = await this.admin(id, "postgres", async (c) => (await c.query<{ r: boolean }>("SELECT pg_is_in_recovery() AS r")).rows[0].r).catch(
        () => true,
      );
      if (!inRecovery) return;
      if (Date.now() > deadline) throw new Error(`recovery of ${id} did not finish in time: ${this.logTail(id)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Whether the instance's cluster was completely created (or recovered) once. */
  provisioned(id: string): boolean {
    return existsSync(join(this.root, `${id}.ready`));
  }

  /**
   * Starts every known cluster that is not suspended (after a simulator restart); `missing` handles the ones never
   * completely created (provision anew, or redo a recovery).
   */
  async startAll(instances: Array<PgInstance & { suspended: boolean }>, missing: (inst: PgInstance) => Promise<void>): Promise<void> {
    await Promise.all(
      instances.map((inst) => {
        if (!this.provisioned(inst.id)) return missing(inst);
        this.servers.set(inst.id, { port: this.readIndex()[inst.id]?.port ?? 0, state: inst.suspended ? "stopped" : "provisioning" });
        if (inst.suspended) return Promise.resolve();
        return this.start(inst.id);
      }),
    );
  }

  /** Starts a stopped cluster (resume, simulator start). */
  start(id: string): Promise<void> {
    this.setState(id, "provisioning");
    return this.queue.run(id, async () => {
      try {
        await this.startServer(id);
        this.markReady(id);
      } catch (e) {
        this.fail(id, e);
      }
    });
  }

  /** Stops a cluster and keeps its data (suspend). */
  stop(id: string): Promise<void> {
    // Not `available` from the moment it was asked, not only once it stopped.
    this.setState(id, "stopped");
    return this.queue.run(id, async () => {
      if (await this.isRunning(id)) await this.pgCtl(id, ["-m", "fast", "-w", "stop"]);
      this.setState(id, "stopped");
    });
  }

  private setState(id: string, state: PgServerInfo["state"]): void {
    const s = this.servers.get(id);
    if (s) s.state = state;
  }

  /** Restarts a running cluster (Render's restart). */
  restart(id: string): Promise<void> {
    this.setState(id, "provisioning");
    return this.queue.run(id, async () => {
      if (await this.isRunning(id)) await this.pgCtl(id, ["-m", "fast", "-w", "stop"]);
      try {
        await this.startServer(id);
        this.markReady(id);
      } catch (e) {
        this.fail(id, e);
      }
    });
  }

  /** Stops the cluster and deletes its data, WAL, base backups and exports (the instance was deleted). */
  remove(id: string): Promise<void> {
    return this.queue.run(id, async () => {
      await this.destroyFiles(id);
      this.servers.delete(id);
      this.writeIndex((idx) => delete idx[id]);
    });
  }

  private async destroyFiles(id: string): Promise<void> {
    if (await this.isRunning(id)) await this.pgCtl(id, ["-m", "immediate", "-w", "stop"]);
    rmSync(this.dir(id), { recursive: true, force: true });
    for (const f of existsSync(this.root) ? readdirSync(this.root) : []) if (f.startsWith(`${id}.`)) rmSync(join(this.root, f), { force: true });
  }

  /**
   * A logical export of the instance's database: `pg_dump` in directory format, packed as `.dir.tar.gz` (what
   * Render's export download holds). Returns the file's path.
   */
  export(inst: PgInstance, exportId: string): Promise<string> {
    return this.queue.run(inst.id, async () => {
      const info = this.servers.get(inst.id);
      if (info?.state !== "ready") throw new Error(`${inst.id} is not running`);
      const out = join(this.dir(inst.id), "exports");
      ownedDir(out, this.runAs);
      const dumpDir = join(out, `${exportId}.dir`);
      await runOk(
        this.runAs,
        this.bin("pg_dump"),
        ["-h", "127.0.0.1", "-p", String(info.port), "-U", ADMIN, "-w", "-Fd", "-f", dumpDir, "--no-owner", inst.databaseName],
        { env: { PGPASSWORD: this.adminPassword(inst.id) }, timeoutMs: RECOVERY_TIMEOUT_MS },
      );
      const file = join(out, `${exportId}.dir.tar.gz`);
      await runOk(this.runAs, "tar", ["-czf", file, "-C", out, `${exportId}.dir`], { timeoutMs: RECOVERY_TIMEOUT_MS });
      rmSync(dumpDir, { recursive: true, force: true });
      return file;
    });
  }

  /** The file of an export, when it exists. */
  exportFile(dbId: string, exportId: string): string | undefined {
    if (!/^[a-z0-9-]+$/.test(dbId) || !/^[a-z0-9-]+$/.test(exportId)) return undefined;
    const f = join(this.dir(dbId), "exports", `${exportId}.dir.tar.gz`);
    return existsSync(f) && statSync(f).isFile() ? f : undefined;
  }

  /** Stops every cluster (simulator stop). Data stays; the next start resumes them. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await this.queue.idle();
    await Promise.all([...this.servers.keys()].map((id) => this.stop(id).catch(() => undefined)));
  }

  get isStopping(): boolean {
    return this.stopping;
  }
}
