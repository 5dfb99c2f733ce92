import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { plainError, type Backend } from "./backend";
import { listenPreferring } from "./listen";
import type { ServiceMetrics } from "./metrics";
import type { ServiceFaults } from "./types";
import { lingerOnClose } from "../../infra/http/lingering-close";

/** What a front needs to know about its service at each request (read live, so changes apply at once). */
export interface FrontTarget {
  readonly suspended: boolean;
  /** `""` when the service has no health check path. */
  readonly healthPath: string;
  readonly faults: ServiceFaults;
  /** The live version; `undefined` while nothing runs (never deployed, or every start failed). */
  readonly backend: Backend | undefined;
  readonly metrics: ServiceMetrics;
}

const UNHEALTHY = Buffer.from('{"status":"unhealthy"}');
const UNHEALTHY_HEADERS = { "Content-Type": "application/json; charset=utf-8", "Content-Length": UNHEALTHY.length };
const ERROR = Buffer.from('{"error":"injected fault"}');
const ERROR_HEADERS = { "Content-Type": "application/json; charset=utf-8", "Content-Length": ERROR.length, "x-sim-fault": "errorRate" };
const SUSPENDED = Buffer.from("<!doctype html><html><body><h1>Service Suspended</h1><p>This service has been suspended by its owner.</p></body></html>\n");
const SUSPENDED_HEADERS = { "Content-Type": "text/html; charset=utf-8", "Content-Length": SUSPENDED.length, "x-render-routing": "suspend-by-user" };

/**
 * Answers one request for a service as Render's edge plus the app would: counts it (status, latency, bytes out),
 * answers 503 while suspended, applies injected faults (latency, unhealthy health path, error rate), then hands the
 * request to the live version. Shared by the service's own port and the Host-header router.
 */
export function serve(t: FrontTarget, req: IncomingMessage, res: ServerResponse): void {
  const t0 = performance.now();
  const socket = req.socket;
  const b0 = socket.bytesWritten;
  res.once("finish", () => t.metrics.record(res.statusCode, performance.now() - t0, socket.bytesWritten - b0));
  if (t.suspended) {
    req.resume();
    res.writeHead(503, SUSPENDED_HEADERS);
    res.end(req.method === "HEAD" ? undefined : SUSPENDED);
    return;
  }
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const delay = t.faults.latencyMs ?? 0;
  if (delay > 0) setTimeout(dispatch, delay, t, req, res, path);
  else dispatch(t, req, res, path);
}

function dispatch(t: FrontTarget, req: IncomingMessage, res: ServerResponse, path: string): void {
  const f = t.faults;
  const isHealth = t.healthPath !== "" && path === t.healthPath;
  if (isHealth && f.healthy === false) {
    req.resume();
    res.writeHead(503, UNHEALTHY_HEADERS);
    res.end(req.method === "HEAD" ? undefined : UNHEALTHY);
    return;
  }
  if (!isHealth && f.errorRate && Math.random() < f.errorRate) {
    req.resume();
    res.writeHead(500, ERROR_HEADERS);
    res.end(req.method === "HEAD" ? undefined : ERROR);
    return;
  }
  const b = t.backend;
  if (!b) {
    req.resume();
    plainError(res, 502, "Bad Gateway");
    return;
  }
  b.handle(req, res, path);
}

/** Node's HTTP server tuned for a loopback load balancer: keep-alive on, generous idle timeout. */
export function createFrontServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = createServer({ keepAlive: true, noDelay: true }, handler);
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  server.requestTimeout = 0;
  lingerOnClose(server);
  return server;
}

/** A service's own front: a loopback port that stays the same across apply calls and restarts. */
export class Front {
  readonly server: Server;
  port = 0;

  constructor(target: FrontTarget) {
    this.server = createFrontServer((req, res) => serve(target, req, res));
  }

  async listen(host: string, preferred: number | undefined): Promise<number> {
    this.port = await listenPreferring(this.server, host, preferred);
    return this.port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
