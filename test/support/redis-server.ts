import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { findRedis } from "../../sim/databases/redis-binaries";
import { freePort } from "./free-port";

/** A real `redis-server` (Debian's package, installed by the setup) on a loopback port, with a password. */
export interface RedisServer {
  port: number;
  password: string;
  /** `redis://default:<password>@127.0.0.1:<port>` (the form of Render's external connection string, without TLS). */
  url: string;
  /** `SHUTDOWN` (the AOF is flushed, as on a graceful restart of a persistent plan), then the same server again. */
  restart(): Promise<void>;
  /** SIGKILL and start again with an empty data directory: a Key Value instance without persistence that restarted. */
  restartEmpty(): Promise<void>;
  /** Stops it (no restart). */
  stop(): Promise<void>;
  /** Resolves once a stopped server is gone (for tests that act while it is down). */
  down(): Promise<void>;
  /** Starts it again after `down` (same port and data directory). */
  up(): Promise<void>;
}

/**
 * Starts a real `redis-server` with append-only persistence (`appendfsync everysec`, as Render's paid Key Value
 * plans), under a fresh temporary directory. Throws a clear error when redis-server is missing.
 */
export async function startRedisServer(password: string): Promise<RedisServer> {
  const found = findRedis();
  if ("missing" in found) throw new Error(`${found.missing}; npm test installs it (tools/scripts/lib/setup.js)`);
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-kv-"));
  let proc: ChildProcess | undefined;
  const launch = async () => {
    fs.mkdirSync(dir, { recursive: true });
    proc = spawn(
      found.server,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--save",
        "",
        "--requirepass",
        password,
        "--protected-mode",
        "no",
      ],
      { stdio: "ignore" },
    );
    const deadline = Date.now() + 10_000;
    while (!(await answers(port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port} within 10 s`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const gone = async (signal: NodeJS.Signals | "SHUTDOWN") => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    if (signal === "SHUTDOWN") await command(port, password, "SHUTDOWN");
    else p.kill(signal);
    await exited;
  };
  await launch();
  return {
    port,
    password,
    url: `redis://default:${password}@127.0.0.1:${port}`,
    restart: async () => {
      await gone("SHUTDOWN");
      await launch();
    },
    restartEmpty: async () => {
      await gone("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
      await launch();
    },
    down: () => gone("SHUTDOWN"),
    up: launch,
    stop: async () => {
      await gone("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether something accepts connections on the port (a PING needs AUTH; the connection is enough here). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

/** One command in the inline protocol (AUTH first); resolves when the server answered or closed. */
function command(port: number, password: string, cmd: string): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1", () => s.write(`AUTH ${password}\r\n${cmd}\r\n`));
    s.on("data", () => undefined);
    s.once("close", () => resolve());
    s.once("error", () => resolve());
    setTimeout(() => (s.destroy(), resolve()), 5_000).unref();
  });
}
