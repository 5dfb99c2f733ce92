import { promises as fs } from "node:fs";
import * as dns from "node:dns/promises";
import * as os from "node:os";
import * as path from "node:path";
import type { PeersConfig } from "./config";

/** Finds the base URLs of the other instances of this edge. */
export interface PeerDiscovery {
  readonly kind: string;
  /** Announces this instance (once it listens at `selfUrl`). */
  register(selfUrl: string): Promise<void>;
  /** Base URLs of the other live instances (never this one). */
  list(): Promise<string[]>;
  unregister(): Promise<void>;
}

/** A fixed list (`EDGE_PEERS`); this instance's own URL is skipped when it appears. */
class StaticPeers implements PeerDiscovery {
  readonly kind = "static";
  private self = "";
  constructor(private readonly urls: string[]) {}
  async register(selfUrl: string) {
    this.self = normal(selfUrl);
  }
  async list() {
    return this.urls.map(normal).filter((u) => u !== this.self);
  }
  async unregister() {}
}

/**
 * A directory of `<instanceId>.json` files (`EDGE_PEERS_DIR`), for instances sharing one host (the simulator, local
 * runs). Entries of dead processes are skipped and removed.
 */
class DirPeers implements PeerDiscovery {
  readonly kind = "dir";
  constructor(
    private readonly dir: string,
    private readonly instanceId: string,
  ) {}
  private get file() {
    return path.join(this.dir, `${this.instanceId.replace(/[^\w.-]/g, "_")}.json`);
  }
  async register(selfUrl: string) {
    await fs.mkdir(this.dir, { recursive: true });
    const tmp = `${this.file}.tmp`;
    await fs.writeFile(tmp, JSON.stringify({ instanceId: this.instanceId, url: selfUrl, pid: process.pid, at: new Date().toISOString() }));
    await fs.rename(tmp, this.file);
  }
  async list() {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return [];
    }
    const urls: string[] = [];
    for (const n of names.filter((x) => x.endsWith(".json"))) {
      const f = path.join(this.dir, n);
      if (f === this.file) continue;
      try {
        const e = JSON.parse(await fs.readFile(f, "utf8")) as { url: string; pid: number };
        if (alive(e.pid)) urls.push(e.url);
        else await fs.rm(f, { force: true });
      } catch {
        // A file being replaced or removed right now: skip it this round.
      }
    }
    return urls;
  }
  async unregister() {
    await fs.rm(this.file, { force: true });
  }
}

/**
 * Render's discovery DNS name (`RENDER_DISCOVERY_SERVICE`), which resolves to the private IP of every running
 * instance of the service; this instance's own addresses are skipped.
 */
class DnsPeers implements PeerDiscovery {
  readonly kind = "dns";
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly protocol: string,
  ) {}
  async register() {}
  async list() {
    const own = new Set(
      Object.values(os.networkInterfaces())
        .flat()
        .map((i) => i?.address),
    );
    let ips: string[];
    try {
      ips = await Promise.race([dns.resolve4(this.host), new Promise<string[]>((_, rej) => setTimeout(() => rej(new Error("dns timeout")), 2_000).unref())]);
    } catch {
      return [];
    }
    return ips.filter((ip) => !own.has(ip)).map((ip) => `${this.protocol}://${ip}:${this.port}`);
  }
  async unregister() {}
}

class NoPeers implements PeerDiscovery {
  readonly kind = "none";
  async register() {}
  async list() {
    return [];
  }
  async unregister() {}
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function normal(u: string): string {
  return u.replace(/\/+$/, "");
}

/** The discovery the configuration names. */
export function createPeerDiscovery(c: PeersConfig, instanceId: string): PeerDiscovery {
  switch (c.kind) {
    case "static":
      return new StaticPeers(c.urls);
    case "dir":
      return new DirPeers(c.dir, instanceId);
    case "dns":
      return new DnsPeers(c.host, c.port, c.protocol);
    case "none":
      return new NoPeers();
  }
}

/** The outcome of pushing a state document to every peer. */
export interface FanoutResult {
  total: number;
  acked: number;
  /** Peers that did not confirm; they converge through the durable-state poll. Errors never hold secrets. */
  failed: { url: string; error: string }[];
}

/** Signs a push (the body) and checks a signature; see `peer-auth.ts`. */
export interface PushSigner {
  /** Headers that authenticate `body` to a peer. */
  headers(body: string): Record<string, string>;
  /** Whether a peer's answer (its signature header over the body) is authentic. */
  verify(header: string | null, body: string): boolean;
}

/**
 * Pushes `doc` to every peer's `POST /__edge/internal/state` and waits for each to confirm it holds the document
 * (or one made on top of it). Two attempts per peer, each under `timeoutMs`. A peer holding a document that does
 * not include this one answers 409 with its own document: those are returned in `conflicts` for the writer to
 * reconcile (see `Replicator.update`).
 */
export async function fanout(peers: string[], doc: unknown, signer: PushSigner, timeoutMs: number): Promise<FanoutResult & { conflicts: unknown[] }> {
  const body = JSON.stringify(doc);
  const conflicts: unknown[] = [];
  const results = await Promise.all(
    peers.map(async (url) => {
      let error = "";
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          const res = await fetch(`${normal(url)}/__edge/internal/state`, {
            method: "POST",
            headers: { ...signer.headers(body), "content-type": "application/json" },
            body,
            signal: AbortSignal.timeout(timeoutMs),
          });
          const text = await res.text().catch(() => "");
          if (res.status === 200) return { url, error: "" };
          error = `HTTP ${res.status}`;
          if (res.status === 409) {
            // The answer carries the peer's document, which the writer may adopt: only if the peer signed it.
            if (!signer.verify(res.headers.get("x-edge-peer-signature"), text)) {
              error = "HTTP 409 without a valid peer signature";
              break;
            }
            try {
              const answer = JSON.parse(text) as { state?: unknown };
              if (answer.state !== undefined) conflicts.push(answer.state);
            } catch {
              // Not the edge's answer: counted as failed, converges through the store poll.
            }
            break;
          }
          if (res.status === 401 || res.status === 400 || res.status === 422) break;
        } catch (e) {
          error =
            (e as Error).name === "TimeoutError"
              ? `timeout after ${timeoutMs} ms`
              : String((e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message);
        }
      }
      return { url, error };
    }),
  );
  const failed = results.filter((r) => r.error !== "");
  return { total: peers.length, acked: peers.length - failed.length, failed, conflicts };
}
