import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";

/** A reference proxy (nginx, HAProxy) running in the foreground in front of one upstream. */
export interface ReferenceProxy {
  url: string;
  /** The main process's pid (nginx's workers are its children; HAProxy runs one process). */
  pid: number;
  version: string;
  stop(): Promise<void>;
}

/** A reference proxy's binary (Debian puts daemons in /usr/sbin, often not on PATH), or undefined when not installed. */
export function findBinary(name: "nginx" | "haproxy"): string | undefined {
  for (const p of [`/usr/sbin/${name}`, `/usr/bin/${name}`]) if (fs.existsSync(p)) return p;
  const w = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return w.status === 0 ? w.stdout.trim() : undefined;
}

/**
 * Starts `bin args` (its configuration already written into `dir`), waits until `http://127.0.0.1:<port>/` answers,
 * and stops it with `stopSignal` (its graceful stop; SIGKILL after 5 s), removing `dir`. `diagnostics` adds what
 * the process wrote elsewhere (e.g. nginx's error log) to the error when it exits at start.
 */
export async function runReferenceProxy(o: {
  name: string;
  bin: string;
  args: string[];
  dir: string;
  port: number;
  version: string;
  stopSignal: NodeJS.Signals;
  diagnostics?: () => string;
}): Promise<ReferenceProxy> {
  const child: ChildProcess = spawn(o.bin, o.args, { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const url = `http://127.0.0.1:${o.port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`${o.name} exited: ${err}${o.diagnostics?.() ?? ""}`);
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
    version: o.version,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once("exit", () => {
          fs.rmSync(o.dir, { recursive: true, force: true });
          r();
        });
        child.kill(o.stopSignal);
        setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}
