import { existsSync } from "node:fs";
import { join } from "node:path";
import { systemUser, type RunAs } from "./exec";

/** Where `redis-server` is, and which account runs it. */
export interface RedisInstall {
  server: string;
  runAs: RunAs;
}

/**
 * Finds `redis-server`: `SIM_REDIS_SERVER`, else on `PATH` (Debian's `redis-server` package). A root simulator runs
 * it as the `redis` system user the package creates (a database server has no business running as root), else as
 * root. Returns the reason instead when it is not installed.
 */
export function findRedis(env: NodeJS.ProcessEnv = process.env): RedisInstall | { missing: string } {
  const dirs = (env.PATH ?? "").split(":").concat(["/usr/bin", "/usr/sbin", "/usr/local/bin"]);
  const server = env.SIM_REDIS_SERVER ?? dirs.map((d) => join(d, "redis-server")).find((p) => existsSync(p));
  if (!server || !existsSync(server)) return { missing: "redis-server is not installed (apt-get install redis-server)" };
  if (process.getuid?.() !== 0) return { server, runAs: {} };
  return { server, runAs: systemUser(env.SIM_REDIS_USER ?? "redis") ?? {} };
}
