import * as fs from "node:fs";

const TICKS_PER_S = 100; // Linux USER_HZ on every mainstream kernel build

/**
 * CPU time (user + system, ms) used so far by `pid` and its direct children (nginx's workers, the edge's HAProxy),
 * from /proc (`children: false`: `pid` alone). CPU per
 * request is robust to a busy machine in a way latency is not: a process that waits for a core uses no CPU.
 * Returns NaN where /proc is unavailable.
 */
export function cpuMs(pid: number, o: { children?: boolean } = {}): number {
  try {
    let pids = [pid];
    const kids = `/proc/${pid}/task/${pid}/children`;
    if (o.children !== false && fs.existsSync(kids)) pids = pids.concat(fs.readFileSync(kids, "utf8").trim().split(/\s+/).filter(Boolean).map(Number));
    let ticks = 0;
    for (const p of pids) {
      const stat = fs.readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of the full line)
    }
    return (ticks * 1000) / TICKS_PER_S;
  } catch {
    return NaN;
  }
}
