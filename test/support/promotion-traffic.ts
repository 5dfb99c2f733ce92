/**
 * Shared by the promotion tests and `bench:kill-promotion`: steady traffic through the edge, and killing a running
 * `pulumi up` the way a CI cancel (`tree`) or a `kill -9` of the CLI (`cli`) does.
 */
import * as fs from "node:fs";
import * as http from "node:http";

/** The staging api's host name, as the program routes it through the edge. */
const HOST = "api.staging.alphaplatform.example";

/** Steady traffic through the edge to the app's host (keep-alive, ~100 rps) until stopped; counts answers by status. */
export function traffic(edgeUrl: string, host = HOST): { stop: () => Promise<Record<string, number>> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const counts: Record<string, number> = {};
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.get(new URL("/orders", edgeUrl), { agent, headers: { host }, timeout: 5_000 }, (res) => {
        res.resume();
        res.on("end", () => {
          counts[res.statusCode ?? 0] = (counts[res.statusCode ?? 0] ?? 0) + 1;
          resolve();
        });
      });
      req.on("error", () => {
        counts.error = (counts.error ?? 0) + 1;
        resolve();
      });
      req.on("timeout", () => req.destroy());
    });
  const loops = [0, 1].map(async () => {
    while (running) {
      await one();
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return counts;
    },
  };
}

/** Every descendant of `pid` (from /proc), children first found: plugins run in process groups of their own. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const e of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
      parentOf.set(Number(e), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parentOf)
      if (pp === p) {
        out.push(c);
        walk(c);
      }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Kills a running `pulumi up`. `tree`: the CLI and every descendant at once (a CI job cancel, a container stop).
 * `cli`: only the CLI's process group (`kill -9` of the CLI); the orphaned providers must stop by themselves. Returns
 * the descendants still alive 2 s later (then killed), i.e. what did not stop by itself.
 */
export async function killUp(pid: number, mode: "tree" | "cli"): Promise<string[]> {
  const tree = descendants(pid);
  if (mode === "tree")
    for (const p of [pid, ...tree]) {
      try {
        process.kill(p, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  else {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  await new Promise((r) => setTimeout(r, 2_000));
  const left = tree.filter(alive);
  const names = left.map((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").slice(0, 2).join(" ");
    } catch {
      return String(p);
    }
  });
  for (const p of left) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  return names;
}
