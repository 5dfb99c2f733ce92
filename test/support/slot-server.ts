import * as http from "node:http";
import type { AddressInfo } from "node:net";

/** A stand-in app slot: answers like a deployed app (health path, version, injected faults). */
export interface SlotServer {
  url: string;
  name: string;
  /** Faults to inject; change them at any time. */
  faults: { healthy: boolean; errorRate: number; latencyMs: number };
  /** Requests served (excluding health checks). */
  served: number;
  /** Health checks answered. */
  probes: number;
  /** When the health path first answered 503 since it was last healthy (ms epoch), else undefined. */
  failingSince?: number;
  close(): Promise<void>;
}

/**
 * Starts a loopback HTTP server for one slot (port 0). `/healthz` answers 200 or 503 (`faults.healthy`); every
 * other path answers 200 `{slot, path}` (or 500 at `faults.errorRate`), after `faults.latencyMs`. When the slot runs
 * in another process, `POST /__slot/faults` (JSON, merged into `faults`) and `GET /__slot/stats` control it.
 */
export async function startSlotServer(name: string, healthPath = "/healthz"): Promise<SlotServer> {
  const s: SlotServer = { url: "", name, faults: { healthy: true, errorRate: 0, latencyMs: 0 }, served: 0, probes: 0, close: async () => undefined };
  const server = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/__slot/faults" && req.method === "POST") {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        Object.assign(s.faults, JSON.parse(body || "{}"));
        if (s.faults.healthy) s.failingSince = undefined;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(s.faults));
      });
      return;
    }
    if (path === "/__slot/stats") {
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ served: s.served, probes: s.probes, failingSince: s.failingSince, faults: s.faults }));
      return;
    }
    if (path === healthPath) {
      s.probes++;
      const ok = s.faults.healthy;
      if (!ok && s.failingSince === undefined) s.failingSince = Date.now();
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ ok, slot: name }));
      return;
    }
    s.served++;
    const answer = () => {
      const fail = s.faults.errorRate > 0 && Math.random() < s.faults.errorRate;
      const body = JSON.stringify({ slot: name, path: req.url, host: req.headers["x-forwarded-host"] });
      res.writeHead(fail ? 500 : 200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
    };
    req.resume();
    req.on("end", () => (s.faults.latencyMs > 0 ? setTimeout(answer, s.faults.latencyMs) : answer()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  s.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return s;
}
