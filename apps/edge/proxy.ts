import * as http from "node:http";
import * as https from "node:https";
import type { AppUpstreams, Slot } from "./config";
import type { InFlight } from "./inflight";
import type { EdgeMetrics } from "./metrics";
import type { OutlierDetector, OutlierTrack } from "./outlier-detector";
import type { Router } from "./router";

/** Headers that describe one hop and must not be forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS"]);

interface Upstream {
  url: URL;
  lib: typeof http | typeof https;
  agent: http.Agent;
  /** The slot's run of failed requests (passive outlier detection). */
  track: OutlierTrack;
}

/** Options of the proxy. */
export interface ProxyOptions {
  router: Router;
  apps: Record<string, AppUpstreams>;
  /** The active slot of an app right now (read on every request, so a switch takes effect for the next request). */
  activeSlot: (app: string) => Slot;
  metrics: EdgeMetrics;
  inflight: InFlight;
  upstreamTimeoutMs: number;
  /** Passive detection: every proxied request's outcome is reported to it. */
  outliers: OutlierDetector;
}

/**
 * The reverse proxy: picks the route and the app's active slot when a request starts, and keeps that slot for the
 * request's whole life, so a switch never cuts a request in flight. Keep-alive agents per upstream.
 *
 * Every outcome is reported to the outlier detector (a 5xx answer, a reset, a timeout: failure; anything else:
 * success), which rolls the app back on the failing requests themselves. One exception to "one slot per request":
 * a body-less GET/HEAD/OPTIONS that failed before anything was relayed, on a slot that is no longer active (a
 * rollback happened while it was in flight), is replayed once on the now-active slot, which a rollback only picks
 * when it is known healthy; so the requests caught on the failing slot during the switch do not fail.
 */
export class Proxy {
  private readonly upstreams = new Map<string, Upstream>();

  constructor(private readonly o: ProxyOptions) {
    for (const [app, u] of Object.entries(o.apps)) {
      for (const slot of ["blue", "green"] as const) {
        const url = new URL(u[slot]);
        const lib = url.protocol === "https:" ? https : http;
        // LIFO reuses the warmest sockets and lets the rest idle out; the pool survives switches, so switching back
        // to a warm slot does not pay for new connections.
        // noDelay: a small request must not wait for Nagle's algorithm (40 ms with delayed ACKs) on the upstream hop.
        const agent = new lib.Agent({ keepAlive: true, keepAliveMsecs: 1_000, maxSockets: 1024, maxFreeSockets: 256, scheduling: "lifo", noDelay: true } as http.AgentOptions);
        this.upstreams.set(`${app}\u0000${slot}`, { url, lib, agent, track: o.outliers.track(app, slot) });
      }
    }
  }

  /** Upstream agents (closed at shutdown). */
  destroy(): void {
    for (const u of this.upstreams.values()) u.agent.destroy();
  }

  /**
   * Where a request that failed on `slot` may be replayed: the app's active slot when `allowed` (idempotent,
   * body-less, not replayed yet, nothing relayed, client still there) and a rollback has moved the app away from
   * `slot` since the request started; else undefined.
   */
  private replayTarget(app: string, slot: Slot, allowed: boolean): Slot | undefined {
    if (!allowed) return undefined;
    const now = this.o.activeSlot(app);
    return now === slot ? undefined : now;
  }

  handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = process.hrtime.bigint();
    const m = this.o.router.match(req.headers.host, req.url ?? "/");
    if (!m) {
      this.o.metrics.unrouted++;
      res.writeHead(404, { "content-type": "text/plain", "x-edge": "no-route" }).end("no route for this host and path\n");
      return;
    }
    const app = m.route.app;
    let slot = this.o.activeSlot(app);
    let up = this.upstreams.get(`${app}\u0000${slot}`)!;
    this.o.inflight.inc(app, slot);
    let finished = false;
    let relayed: number | undefined;
    const finish = () => {
      if (finished) return;
      finished = true;
      this.o.inflight.dec(app, slot);
      this.o.metrics.record(app, m.route.name, slot, relayed, Number(process.hrtime.bigint() - started) / 1e6);
    };
    res.on("finish", finish);
    res.on("close", finish);

    const headers = forwardHeaders(req);
    headers.host = up.url.host;
    let path = upstreamPath(up, m.upstreamPath);
    const hasBody = req.headers["content-length"] !== undefined ? req.headers["content-length"] !== "0" : req.headers["transfer-encoding"] !== undefined;
    const retryable = IDEMPOTENT.has(req.method ?? "") && !hasBody;
    let moved = false;
    let clientGone = false;

    let current: http.ClientRequest | undefined;
    // `to`: replay on that slot (a rollback made it active after this request failed on `slot`); the request is
    // rebound to it, in-flight counts follow. No closure for this: the hot path allocates nothing new.
    const send = (attempt: number, to?: Slot) => {
      if (to !== undefined) {
        moved = true;
        this.o.inflight.dec(app, slot);
        slot = to;
        up = this.upstreams.get(`${app}\u0000${to}`)!;
        this.o.inflight.inc(app, slot);
        headers.host = up.url.host;
        path = upstreamPath(up, m.upstreamPath);
      }
      const upReq = (current = up.lib.request({ protocol: up.url.protocol, hostname: up.url.hostname, port: up.url.port, method: req.method, path, headers, agent: up.agent }));
      upReq.setTimeout(this.o.upstreamTimeoutMs, () => upReq.destroy(Object.assign(new Error("upstream timeout"), { code: "ETIMEDOUT" })));
      upReq.on("response", (upRes) => {
        const status = upRes.statusCode ?? 502;
        if (status >= 500) {
          this.o.outliers.failure(up.track, status);
          const to = this.replayTarget(app, slot, retryable && !moved && !clientGone && !res.headersSent);
          if (to !== undefined) {
            upRes.on("error", () => undefined);
            upRes.resume();
            send(attempt + 1, to);
            return;
          }
        } else {
          this.o.outliers.success(up.track);
        }
        relayed = upRes.statusCode;
        const out: http.OutgoingHttpHeaders = {};
        const drop = connectionTokens(upRes.headers.connection);
        for (const [k, v] of Object.entries(upRes.headers)) if (!HOP_BY_HOP.has(k) && !drop.has(k) && v !== undefined) out[k] = v;
        out["x-edge-slot"] = slot;
        try {
          res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, out);
        } catch {
          // A header Node refuses to send (e.g. an invalid character from a broken upstream): answer 502 rather
          // than let the exception take the whole edge down.
          upRes.destroy();
          relayed = undefined;
          if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain", "x-edge": "bad-upstream-headers" }).end("upstream sent invalid headers\n");
          return;
        }
        upRes.pipe(res);
        // The upstream broke off mid-answer: the client gets a cut response, so count it as an error, not a 2xx.
        upRes.on("error", () => {
          if (!clientGone) this.o.outliers.failure(up.track, 0, "ECONNRESET");
          relayed = undefined;
          res.destroy();
        });
      });
      upReq.on("error", (e: NodeJS.ErrnoException) => {
        // A keep-alive socket the upstream closed while idle fails before any byte of the answer: replaying a
        // body-less idempotent request is safe (the pattern Node's http docs recommend for `reusedSocket`).
        if (relayed === undefined && attempt === 0 && retryable && upReq.reusedSocket && (e.code === "ECONNRESET" || e.code === "EPIPE")) {
          send(attempt + 1);
          return;
        }
        // The client left and we cut the upstream request: not the slot's fault.
        if (clientGone) return void res.destroy();
        this.o.outliers.failure(up.track, 0, e.code);
        const to = this.replayTarget(app, slot, relayed === undefined && retryable && !moved && !res.headersSent);
        if (to !== undefined) {
          send(attempt + 1, to);
          return;
        }
        if (res.headersSent || res.destroyed) {
          relayed = undefined;
          res.destroy();
          return;
        }
        relayed = undefined;
        const timeout = e.code === "ETIMEDOUT";
        res.writeHead(timeout ? 504 : 502, { "content-type": "text/plain", "x-edge": timeout ? "upstream-timeout" : "upstream-error", "x-edge-slot": slot });
        res.end(`${timeout ? "upstream timed out" : "upstream unavailable"}\n`);
      });
      if (attempt === 0 && hasBody) req.pipe(upReq);
      else upReq.end();
    };
    // The client went away before the answer was complete: stop the upstream work too.
    res.on("close", () => {
      if (res.writableFinished) return;
      clientGone = true;
      current?.destroy();
    });
    send(0);
  }
}

/** The path on the upstream: its base path (if any) then the route's path. */
function upstreamPath(up: Upstream, routePath: string): string {
  return up.url.pathname === "/" ? routePath : up.url.pathname.replace(/\/$/, "") + routePath;
}

function connectionTokens(v: string | string[] | undefined): Set<string> {
  const s = Array.isArray(v) ? v.join(",") : v ?? "";
  return new Set(s.split(",").map((x) => x.trim().toLowerCase()).filter(Boolean));
}

function forwardHeaders(req: http.IncomingMessage): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  const drop = connectionTokens(req.headers.connection);
  for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k) && !drop.has(k) && v !== undefined) out[k] = v;
  const ip = req.socket.remoteAddress ?? "";
  const prior = req.headers["x-forwarded-for"];
  out["x-forwarded-for"] = prior ? `${Array.isArray(prior) ? prior.join(", ") : prior}, ${ip}` : ip;
  out["x-forwarded-host"] = req.headers["x-forwarded-host"] ?? req.headers.host ?? "";
  out["x-forwarded-proto"] = req.headers["x-forwarded-proto"] ?? ("encrypted" in req.socket ? "https" : "http");
  return out;
}
