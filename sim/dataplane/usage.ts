import { readFileSync } from "node:fs";

/** Clock ticks per second of `/proc/<pid>/stat` times; 100 on every Linux Node supports (`getconf CLK_TCK`). */
const CLK_TCK = 100;

/** CPU time (seconds) and resident memory (bytes) of a process, from `/proc`; `undefined` once it is gone. */
export function readProcUsage(pid: number): { cpuSeconds: number; rssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its closing ")".
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return { cpuSeconds: (utime + stime) / CLK_TCK, rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch {
    return undefined;
  }
}

/**
 * Turns cumulative CPU seconds into cores used since the previous reading of the same process (so 0.25 = a quarter
 * of one core over the interval).
 */
export class CpuRate {
  private last = new Map<number, { cpu: number; at: number }>();

  cores(pid: number, cpuSeconds: number, now = Date.now()): number {
    const prev = this.last.get(pid);
    this.last.set(pid, { cpu: cpuSeconds, at: now });
    if (!prev || now <= prev.at) return 0;
    return Math.max(0, (cpuSeconds - prev.cpu) / ((now - prev.at) / 1000));
  }

  forget(pid: number): void {
    this.last.delete(pid);
  }
}

/**
 * Usage of a synthetic instance, modelled from its request rate: an idle baseline plus a cost per request per
 * second, so CPU and memory charts move with the traffic a test or benchmark drives.
 */
export function syntheticUsage(rps: number): { cpu: number; memory: number } {
  return { cpu: 0.004 + rps * 0.00025, memory: Math.round(72 * 2 ** 20 + rps * 48 * 1024) };
}
