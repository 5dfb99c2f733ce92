import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";

/** The OS account a database server runs as: the current user, or (as root) a system user such as `postgres`. */
export interface RunAs {
  /** `undefined`: the current user. */
  user?: string;
  uid?: number;
  gid?: number;
}

/** The result of {@link run}. Output is kept for error messages; callers never pass secrets on the command line. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program as `as` (through `runuser` when the simulator is root: PostgreSQL and Redis refuse or should not
 * run as root), with a hard timeout. Secrets go through `env` (e.g. `PGPASSWORD`), never through `args`.
 * @throws Error when the program cannot be started or runs past `timeoutMs`
 */
export function run(as: RunAs, cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string }): Promise<RunResult> {
  const [file, argv] = as.user ? ["runuser", ["-u", as.user, "--", cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { env: { PATH: process.env.PATH, LANG: "C.UTF-8", ...o.env }, cwd: o.cwd ?? "/", stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout = (stdout + d.toString()).slice(-20_000)));
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} did not finish within ${Math.round(o.timeoutMs / 1000)} s`));
    }, o.timeoutMs);
    timer.unref();
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} could not be started: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** Like {@link run}, but a non-zero exit is an error naming the program and its last output lines. */
export async function runOk(as: RunAs, cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string }): Promise<RunResult> {
  const r = await run(as, cmd, args, o);
  if (r.code !== 0) {
    const tail = `${r.stderr}\n${r.stdout}`.trim().split("\n").slice(-4).join(" | ");
    throw new Error(`${cmd.split("/").pop()} ${args[0] ?? ""} failed (exit ${r.code}): ${tail}`);
  }
  return r;
}

/** The uid/gid of a system user, or undefined when it does not exist. */
export function systemUser(name: string): RunAs | undefined {
  const r = spawnSync("id", ["-u", name], { encoding: "utf8" });
  const g = spawnSync("id", ["-g", name], { encoding: "utf8" });
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { user: name, uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Creates `dir` (and parents) owned by `as` (when root) with mode 0700. */
export function ownedDir(dir: string, as: RunAs): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if (as.uid !== undefined) chownSync(dir, as.uid, as.gid ?? as.uid);
}

/** Gives every file and directory under `dir` to `as` (when root). */
export function chownTree(dir: string, as: RunAs): void {
  if (as.uid === undefined) return;
  chownSync(dir, as.uid, as.gid ?? as.uid);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) chownTree(p, as);
    else chownSync(p, as.uid, as.gid ?? as.uid);
  }
}

/**
 * Whether the account `as` can reach `dir` (every ancestor searchable by it). As root, a state directory the
 * simulator owns but keeps 0700 (e.g. from `mkdtemp`) is made searchable (0711: others may pass through, not list),
 * so the database user reaches its own subdirectory; nothing else in it becomes readable.
 */
export function reachableBy(dir: string, as: RunAs, ownedRoot: string): boolean {
  if (as.uid === undefined) return true;
  let p = dir;
  for (;;) {
    if (existsSync(p)) {
      const st = statSync(p);
      const searchable = st.uid === as.uid ? (st.mode & 0o100) !== 0 : st.gid === as.gid ? (st.mode & 0o010) !== 0 : (st.mode & 0o001) !== 0;
      if (!searchable) {
        if (p === ownedRoot && st.uid === process.getuid?.()) chmodSync(p, st.mode | 0o011);
        else return false;
      }
    }
    const up = dirname(p);
    if (up === p) return true;
    p = up;
  }
}

/** A free TCP port on 127.0.0.1 (asked from the OS; `preferred` first when it is still free). */
export async function freePort(preferred?: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const srv = createServer();
      srv.once("error", () => resolve(undefined));
      srv.listen(port, "127.0.0.1", () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
  if (preferred) {
    const p = await tryPort(preferred);
    if (p) return p;
  }
  const p = await tryPort(0);
  if (!p) throw new Error("no free TCP port on 127.0.0.1");
  return p;
}

/**
 * A port for a new server, chosen at once (the API must show a stable connection string from the create answer on):
 * random in 15000–32767, below Linux's ephemeral range (32768+) that `listen(0)` draws from, and not in `taken`.
 * The server binds it when it starts; were it taken by then, the start picks another (as after a restart).
 */
export function reservePort(taken: Iterable<number>): number {
  const used = new Set(taken);
  for (;;) {
    const p = 15000 + Math.floor(Math.random() * (32767 - 15000));
    if (!used.has(p)) return p;
  }
}

/** Serialises async work per key (one database's create, start, stop, recovery never overlap). */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Resolves when every queued job has ended. */
  async idle(): Promise<void> {
    while (this.tails.size) await Promise.all([...this.tails.values()]);
  }
}
