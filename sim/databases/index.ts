import { createHmac, timingSafeEqual } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import type http from "node:http";
import { findPostgres } from "./postgres-binaries";
import { PostgresServers } from "./postgres";
import { findRedis } from "./redis-binaries";
import { RedisServers } from "./redis";

export { PostgresServers } from "./postgres";
export { RedisServers } from "./redis";

/** Options of {@link Databases}. */
export interface DatabasesOptions {
  stateDir: string;
  /** `false`: records only, no server is started (e.g. for a machine without PostgreSQL); default: real when installed. */
  real?: boolean;
  /** Signs export download links (Render's are signed, expiring URLs). */
  signingKey: string;
  log?: (line: string) => void;
}

/** How long a listed export's download link stays valid, as Render's signed links expire. */
const LINK_TTL_MS = 60 * 60_000;

/**
 * The real database servers of the embedded Render: PostgreSQL clusters for Postgres instances, `redis-server`
 * processes for Key Value (and legacy Redis) instances. When a server program is not installed, that kind stays
 * records only and {@link warnings} says so once, in one sentence.
 */
export class Databases {
  readonly postgres?: PostgresServers;
  readonly redis?: RedisServers;
  readonly warnings: string[] = [];
  /** The simulator's URL, for export download links; set once it listens. */
  baseUrl = "";

  constructor(private readonly o: DatabasesOptions) {
    const log = o.log ?? ((l: string) => process.stderr.write(`[sim] ${l}\n`));
    if (o.real === false) return;
    const pg = findPostgres();
    if ("missing" in pg) this.warnings.push(`Postgres instances are API records only (no server answers on their connection strings): ${pg.missing}.`);
    else this.postgres = new PostgresServers(pg, o.stateDir, log);
    const redis = findRedis();
    if ("missing" in redis) this.warnings.push(`Key Value instances are API records only (no server answers on their connection strings): ${redis.missing}.`);
    else this.redis = new RedisServers(redis, o.stateDir, log);
    for (const w of this.warnings) log(`warning: ${w}`);
  }

  private sign(path: string, expires: number): string {
    return createHmac("sha256", this.o.signingKey).update(`${path}\n${expires}`).digest("hex");
  }

  /** A signed, expiring download URL for an export file. */
  exportUrl(dbId: string, exportId: string, now = Date.now()): string {
    const path = `/__sim/exports/${dbId}/${exportId}.dir.tar.gz`;
    const expires = Math.floor((now + LINK_TTL_MS) / 1000);
    return `${this.baseUrl}${path}?X-Sim-Expires=${expires}&X-Sim-Signature=${this.sign(path, expires)}`;
  }

  /**
   * Serves `GET /__sim/exports/<db>/<export>.dir.tar.gz?X-Sim-Expires&X-Sim-Signature` (no Bearer key: the link is
   * the credential, as with Render's signed export URLs). Returns false when the path is not an export's.
   */
  serveExport(req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean {
    const m = /^\/__sim\/exports\/([a-z0-9-]+)\/([a-z0-9-]+)\.dir\.tar\.gz$/.exec(url.pathname);
    if (!m || (req.method ?? "GET") !== "GET") return false;
    const expires = Number(url.searchParams.get("X-Sim-Expires"));
    const given = Buffer.from(url.searchParams.get("X-Sim-Signature") ?? "");
    const want = Buffer.from(this.sign(url.pathname, expires));
    const file = this.postgres?.exportFile(m[1], m[2]);
    const deny = (status: number, message: string) => {
      const body = JSON.stringify({ message });
      res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
      res.end(body);
    };
    if (given.length !== want.length || !timingSafeEqual(given, want))
      deny(403, "invalid or missing signature: list the exports again for a fresh download link");
    else if (!Number.isFinite(expires) || expires * 1000 < Date.now()) deny(403, "the download link has expired: list the exports again for a fresh one");
    else if (!file) deny(404, `not found: ${m[2]}`);
    else {
      res.writeHead(200, {
        "Content-Type": "application/gzip",
        "Content-Length": statSync(file).size,
        "Content-Disposition": `attachment; filename="${m[2]}.dir.tar.gz"`,
      });
      createReadStream(file).pipe(res);
    }
    return true;
  }

  /** Stops every server (data kept for the next start). */
  async stop(): Promise<void> {
    await Promise.all([this.postgres?.stopAll(), this.redis?.stopAll()]);
  }
}
