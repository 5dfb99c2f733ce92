import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { systemUser, type RunAs } from "./exec";

/** Where PostgreSQL's server programs are, and which account runs them. */
export interface PostgresInstall {
  /** Directory holding `initdb`, `pg_ctl`, `postgres`, `pg_basebackup`, `pg_dump`. */
  bin: string;
  /** Major version (Debian's directory name), e.g. `15`. */
  version: string;
  runAs: RunAs;
}

const NEEDED = ["initdb", "pg_ctl", "postgres", "pg_basebackup", "pg_dump"];

/**
 * Finds a PostgreSQL server installation: `SIM_POSTGRES_BIN`, else the newest Debian `/usr/lib/postgresql/<ver>/bin`.
 * PostgreSQL refuses to run as root, so a root simulator runs it as the `postgres` system user (Debian's package
 * creates it). Returns the reason instead when it cannot be used.
 */
export function findPostgres(env: NodeJS.ProcessEnv = process.env): PostgresInstall | { missing: string } {
  const candidates: Array<{ bin: string; version: string }> = [];
  if (env.SIM_POSTGRES_BIN) candidates.push({ bin: env.SIM_POSTGRES_BIN, version: "" });
  const base = "/usr/lib/postgresql";
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push({ bin: join(base, v, "bin"), version: v });
  }
  const found = candidates.find((c) => NEEDED.every((p) => existsSync(join(c.bin, p))));
  if (!found) return { missing: "PostgreSQL's server is not installed (apt-get install postgresql)" };
  const version = found.version || /postgresql\/(\d+)/.exec(found.bin)?.[1] || "";
  if (process.getuid?.() !== 0) return { ...found, version, runAs: {} };
  const user = systemUser(env.SIM_POSTGRES_USER ?? "postgres");
  if (!user)
    return {
      missing: `the simulator runs as root and PostgreSQL refuses root, but there is no '${env.SIM_POSTGRES_USER ?? "postgres"}' system user to run it as (install Debian's postgresql package, which creates it)`,
    };
  return { ...found, version, runAs: user };
}
