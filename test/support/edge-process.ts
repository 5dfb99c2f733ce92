import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

/** A running edge process, as the simulator runs it. */
export interface EdgeProcess {
  url: string;
  proc: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  logs(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<number | null>;
}

/**
 * Spawns `node -r ts-node/register/transpile-only apps/edge/index.ts` with `env` (PORT 0 unless given) and resolves
 * once it logs that it listens (rejects with its output if it exits first or takes longer than `timeoutMs`).
 */
export function spawnEdge(env: Record<string, string>, timeoutMs = 30_000): Promise<EdgeProcess> {
  const proc = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "apps/edge/index.ts")], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", PORT: "0", EDGE_LISTEN_HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  const handle: EdgeProcess = {
    url: "",
    proc,
    logs: () => out,
    stop: async (graceMs = 5_000) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`edge did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = () => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stderr!.off("data", onData);
        handle.url = m[1];
        resolve(handle);
      }
    };
    proc.stderr!.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`edge exited with ${code} before listening:\n${out}`));
    });
  });
}
