import { spawnSync } from "node:child_process";
import * as fs from "node:fs";

/**
 * Debian's `haproxy` (the package the project's setup installs: tools/scripts/lib/setup.js), or undefined when it
 * is not installed. Debian puts daemons in /usr/sbin, which is often not on PATH.
 */
export function findHaproxy(): string | undefined {
  for (const p of ["/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"]) if (fs.existsSync(p)) return p;
  const w = spawnSync("sh", ["-c", "command -v haproxy"], { encoding: "utf8", timeout: 5_000 });
  return w.status === 0 && w.stdout.trim() ? w.stdout.trim() : undefined;
}

/** `setpriv`, used to have the kernel stop HAProxy if the edge's process dies without stopping it (PDEATHSIG). */
export function findSetpriv(): string | undefined {
  for (const p of ["/usr/bin/setpriv", "/bin/setpriv"]) if (fs.existsSync(p)) return p;
  return undefined;
}
