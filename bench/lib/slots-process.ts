import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";

/** Slot servers running in a child process, controlled over HTTP. */
export interface RemoteSlots {
  urls: Record<string, string>;
  setFaults(name: string, faults: Partial<{ healthy: boolean; errorRate: number; latencyMs: number }>): Promise<void>;
  stats(name: string): Promise<{ served: number; probes: number; failingSince?: number }>;
  stop(): Promise<void>;
}

/** Starts `names` as slot servers in one child process. */
export function startRemoteSlots(names: string[]): Promise<RemoteSlots> {
  const child: ChildProcess = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "slots-main.ts"), ...names], {
    cwd: path.resolve(__dirname, "..", ".."),
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("slot servers did not start"));
    }, 30_000);
    child.stdout!.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl === -1) return;
      clearTimeout(timer);
      const urls = JSON.parse(out.slice(0, nl)) as Record<string, string>;
      const call = async (name: string, p: string, body?: unknown) => {
        const res = await fetch(`${urls[name]}${p}`, {
          method: body ? "POST" : "GET",
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(5_000),
        });
        return res.json();
      };
      resolve({
        urls,
        setFaults: async (name, f) => void (await call(name, "/__slot/faults", f)),
        stats: (name) => call(name, "/__slot/stats") as Promise<{ served: number; probes: number; failingSince?: number }>,
        stop: () =>
          new Promise<void>((r) => {
            child.once("exit", () => r());
            child.kill("SIGTERM");
          }),
      });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`slot servers exited with ${code}`));
    });
  });
}
