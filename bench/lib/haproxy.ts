import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { freePort } from "../../test/support/free-port";
import { findBinary } from "./nginx";

/** A reference HAProxy in front of one upstream (Debian's haproxy; `apt-get install -y haproxy`). */
export interface HaproxyProxy {
  url: string;
  /** The process's pid (one process, one thread: see the configuration). */
  pid: number;
  version: string;
  stop(): Promise<void>;
}

/** The haproxy binary, or undefined when it is not installed. */
export function findHaproxy(): string | undefined {
  return findBinary("haproxy");
}

/**
 * Runs HAProxy in the foreground, configured like the edge and the nginx reference: one thread (the edge is one
 * Node process), HTTP mode with keep-alive to the upstream (`http-reuse always`), X-Forwarded-For added, no log.
 * The data point for the data-plane decision (docs/decisions/edge-data-plane.md).
 */
export async function startHaproxy(upstream: string): Promise<HaproxyProxy | undefined> {
  const bin = findHaproxy();
  if (!bin) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-haproxy-"));
  const port = await freePort();
  const u = new URL(upstream);
  const conf = `global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 30s
  timeout client 65s
  timeout server 30s
  timeout http-keep-alive 65s
  option forwardfor
  http-reuse always
frontend edge
  bind 127.0.0.1:${port}
  default_backend slot
backend slot
  server blue ${u.hostname}:${u.port}
`;
  fs.writeFileSync(path.join(dir, "haproxy.cfg"), conf);
  const version = (spawnSync(bin, ["-v"], { encoding: "utf8" }).stdout.split("\n")[0] ?? "haproxy").trim();
  const child: ChildProcess = spawn(bin, ["-db", "-f", path.join(dir, "haproxy.cfg")], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${err}`);
    try {
      const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(500) });
      await res.arrayBuffer();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    pid: child.pid!,
    version,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once("exit", () => { fs.rmSync(dir, { recursive: true, force: true }); r(); });
        child.kill("SIGUSR1"); // soft stop: finish what is in flight
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}
