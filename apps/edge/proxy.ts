import type * as http from "node:http";
import { performance } from "node:perf_hooks";
import { Pool, type Dispatcher } from "undici";
import type { AppUpstreams, Slot } from "./config";
import type { InFlight, SlotCounter } from "./inflight";
import type { EdgeMetrics } from "./metrics";
import type { OutlierDetector, OutlierTrack } from "./outlier-detector";
import type { CompiledRoute, Router } from "./router";

/** One slot of one app: its connection pool, in-flight counter and run of failures, all made once at start. */
interface Upstream {
  /** `host[:port]` sent as the Host header upstream. */
  host: string;
  /** The slot URL's base path without its trailing slash ("" for `/`). */
  basePath: string;
  pool: Pool;
  /** Requests in flight to this slot (drains wait on it). */
  inflight: SlotCounter;
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
  /** Longest wait for the upstream's response headers, and between two chunks of its body (504 / cut answer). */
  upstreamTimeoutMs: number;
  /** Passive detection: every proxied request's outcome is reported to it. */
  outliers: OutlierDetector;
}

/** The proxy's per-slot state, keyed by slot (two slots: an object beats a Map lookup with a string key). */
type SlotUpstreams = Record<Slot, Upstream>;

/**
 * The reverse proxy: picks the route and the app's active slot when a request starts, and keeps that slot for the
 * request's whole life, so a switch never cuts a request in flight.
 *
 * Upstream requests go through one undici `Pool` per slot (keep-alive connections, made at start and kept across
 * switches, so switching back to a warm slot does not pay for new connections). The hot path was measured and cut
 * down (see docs/decisions/edge-data-plane.md): one pass over `req.rawHeaders` (Node's `req.headers` object is never
 * built), headers kept as flat arrays both ways, no URL parsing, no per-request closures or string keys, and one
 * object per request (the {@link Exchange}, which is also undici's handler).
 *
 * Every outcome is reported to the outlier detector (a 5xx answer, a reset, a timeout: failure; anything else:
 * success), which rolls the app back on the failing requests themselves. One exception to "one slot per request":
 * a body-less GET/HEAD/OPTIONS that failed before anything was relayed, on a slot that is no longer active (a
 * rollback happened while it was in flight), is replayed once on the now-active slot, which a rollback only picks
 * when it is known healthy; so the requests caught on the failing slot during the switch do not fail.
 */
export class Proxy {
  /** app → its two slots. */
  readonly upstreams = new Map<string, SlotUpstreams>();

  constructor(readonly o: ProxyOptions) {
    for (const [app, u] of Object.entries(o.apps)) {
      const make = (slot: Slot): Upstream => {
        const url = new URL(u[slot]);
        const pool = new Pool(url.origin, {
          // Enough connections for any realistic concurrency of one instance (as the old agent's maxSockets).
          connections: 1024,
          pipelining: 1,
          // A connection that cannot be opened within the upstream timeout is the slot's failure (504).
          connectTimeout: o.upstreamTimeoutMs,
          // Idle connections are kept as long as the upstream's Keep-Alive hint allows (minus undici's margin), so a
          // request is never written on a connection the upstream is closing; 4 s when it gives none.
          keepAliveTimeout: 4_000,
          headersTimeout: o.upstreamTimeoutMs,
          bodyTimeout: o.upstreamTimeoutMs,
        });
        return {
          host: url.host,
          basePath: url.pathname === "/" ? "" : url.pathname.replace(/\/$/, ""),
          pool,
          inflight: o.inflight.counter(app, slot),
          track: o.outliers.track(app, slot),
        };
      };
      this.upstreams.set(app, { blue: make("blue"), green: make("green") });
    }
  }

  /** Upstream pools (closed at shutdown; connections in use are cut). */
  destroy(): void {
    for (const s of this.upstreams.values()) {
      void s.blue.pool.destroy().catch(() => undefined);
      void s.green.pool.destroy().catch(() => undefined);
    }
  }

  handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const started = performance.now();
    // One pass over the raw headers: what the proxy needs to know, and the headers to forward (hop-by-hop ones and
    // those the proxy sets itself left out).
    const raw = req.rawHeaders;
    const fwd: string[] = [];
    let host: string | undefined;
    let xff: string | undefined;
    let xfh: string | undefined;
    let xfp: string | undefined;
    let connection: string | undefined;
    let contentLength: string | undefined;
    let chunked = false;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      const value = raw[i + 1]!;
      switch (name.toLowerCase()) {
        case "host":
          if (host === undefined) host = value;
          continue;
        case "content-length":
          contentLength = value;
          break;
        case "transfer-encoding":
          chunked = true;
          continue;
        case "connection":
          connection = connection === undefined ? value : `${connection},${value}`;
          continue;
        case "x-forwarded-for":
          xff = xff === undefined ? value : `${xff}, ${value}`;
          continue;
        case "x-forwarded-host":
          if (xfh === undefined) xfh = value;
          continue;
        case "x-forwarded-proto":
          if (xfp === undefined) xfp = value;
          continue;
        // Hop-by-hop (RFC 9110 §7.6.1). `expect`: the edge's own server already answered `100-continue` to the
        // client, so the expectation was met on this hop (and undici refuses to send it).
        case "keep-alive":
        case "proxy-authenticate":
        case "proxy-authorization":
        case "proxy-connection":
        case "te":
        case "trailer":
        case "upgrade":
        case "expect":
          continue;
      }
      fwd.push(name, value);
    }

    const m = this.o.router.match(host, req.url ?? "/");
    if (!m) {
      this.o.metrics.unrouted++;
      res.writeHead(404, { "content-type": "text/plain", "x-edge": "no-route" }).end("no route for this host and path\n");
      return;
    }
    // Headers the client named in Connection describe this hop only.
    if (connection !== undefined) dropConnectionTokens(fwd, connection);
    const ip = req.socket.remoteAddress ?? "";
    fwd.push(
      "host",
      "", // set per attempt (index HOST_VALUE_FROM_END from the end)
      "x-forwarded-for",
      xff !== undefined ? `${xff}, ${ip}` : ip,
      "x-forwarded-host",
      xfh ?? host ?? "",
      "x-forwarded-proto",
      xfp ?? ("encrypted" in req.socket ? "https" : "http"),
    );
    const hasBody = contentLength !== undefined ? contentLength !== "0" : chunked;
    const method = req.method ?? "GET";
    const x = new Exchange(this, req, res, m.route, m.upstreamPath, fwd, method, hasBody, started);
    (res as ResponseWithExchange)[EXCHANGE] = x;
    // `on`, not `once`: a response closes once, and `once` would allocate a wrapper per request.
    res.on("close", onResponseClose);
    x.send();
  }
}

/** Where the Host value sits in the forwarded header list (the four headers the proxy appends are last). */
const HOST_VALUE_FROM_END = 7;
const EXCHANGE = Symbol("edge.exchange");
type ResponseWithExchange = http.ServerResponse & { [EXCHANGE]?: Exchange };
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS"]);
/** Transport errors of a connection the upstream closed under a request written on it (idle keep-alive race). */
const STALE_CONNECTION = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);
const TIMEOUTS = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT", "ETIMEDOUT"]);

/** The response's 'close' listener: one shared function (no closure per request); the exchange rides on `res`. */
function onResponseClose(this: ResponseWithExchange): void {
  const x = this[EXCHANGE];
  if (x) x.responseClosed();
}

/**
 * One proxied request: its state and undici's handler for its upstream request (an attempt at a time; a replay or
 * retry dispatches again only after undici finished with the previous attempt, so callbacks never interleave).
 */
class Exchange implements Dispatcher.DispatchHandlers {
  private readonly app: string;
  private slot: Slot;
  private up: Upstream;
  private path: string;
  private readonly retryable: boolean;
  /** The status relayed to the client; undefined while none is (or when the answer was cut). */
  private relayed: number | undefined;
  private attempt = 0;
  private moved = false;
  private clientGone = false;
  private finished = false;
  /** The current attempt's 5xx answer is read and dropped: the request is replayed on `replayTo` when it ends. */
  private replayTo: Slot | undefined;
  /** The current attempt ended: late callbacks are ignored. */
  private attemptDone = false;
  private abort: ((err?: Error) => void) | undefined;
  /** The client stopped sending its body mid-way: answered 408, not the slot's failure. */
  private stalled = false;
  private resume: (() => void) | undefined;
  private waitingDrain = false;

  constructor(
    private readonly proxy: Proxy,
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private readonly route: CompiledRoute,
    private readonly routePath: string,
    private readonly headers: string[],
    private readonly method: string,
    private readonly hasBody: boolean,
    private readonly started: number,
  ) {
    this.app = route.app;
    this.slot = proxy.o.activeSlot(this.app);
    this.up = proxy.upstreams.get(this.app)![this.slot];
    this.path = this.up.basePath + routePath;
    this.retryable = IDEMPOTENT.has(method) && !hasBody;
    this.up.inflight.n++;
  }

  /** Dispatches the current attempt on the current slot. */
  send(): void {
    this.attemptDone = false;
    this.replayTo = undefined;
    this.abort = undefined;
    this.headers[this.headers.length - HOST_VALUE_FROM_END] = this.up.host;
    // (undici takes any async iterable as a body; its types list only streams.)
    const body =
      this.attempt === 0 && this.hasBody
        ? (requestBody(this, this.req, this.proxy.o.upstreamTimeoutMs) as unknown as Dispatcher.DispatchOptions["body"])
        : null;
    this.up.pool.dispatch({ path: this.path, method: this.method as Dispatcher.HttpMethod, headers: this.headers, body }, this);
  }

  /** Moves the request to `to` (a rollback made it active after the request failed on its slot); counts follow. */
  private rebind(to: Slot): void {
    this.moved = true;
    this.up.inflight.dec();
    this.slot = to;
    this.up = this.proxy.upstreams.get(this.app)![to];
    this.up.inflight.n++;
    this.path = this.up.basePath + this.routePath;
  }

  /**
   * Where a request that failed may be replayed: the app's active slot when `allowed` (idempotent, body-less, not
   * replayed yet, nothing relayed, client still there) and a rollback has moved the app away from its slot since
   * the request started; else undefined.
   */
  private replayTarget(allowed: boolean): Slot | undefined {
    if (!allowed) return undefined;
    const now = this.proxy.o.activeSlot(this.app);
    return now === this.slot ? undefined : now;
  }

  // ---- undici's handler ----

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
    // The client left while the attempt was queued for a connection.
    if (this.clientGone) abort(new Error("client went away"));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (this.attemptDone || statusCode < 200) return true; // 1xx: informational, not relayed
    const o = this.proxy.o;
    if (statusCode >= 500) {
      o.outliers.failure(this.up.track, statusCode);
      const to = this.replayTarget(this.retryable && !this.moved && !this.clientGone && !this.res.headersSent);
      if (to !== undefined) {
        // Read and drop this answer; the replay goes out once undici is done with it (onComplete / onError).
        this.replayTo = to;
        return true;
      }
    } else {
      o.outliers.success(this.up.track);
    }
    const out: string[] = [];
    let connection: string | undefined;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toString("latin1");
      switch (name.toLowerCase()) {
        case "connection":
          connection = connection === undefined ? rawHeaders[i + 1]!.toString("latin1") : `${connection},${rawHeaders[i + 1]!.toString("latin1")}`;
          continue;
        case "keep-alive":
        case "proxy-authenticate":
        case "proxy-authorization":
        case "proxy-connection":
        case "te":
        case "trailer":
        case "transfer-encoding":
        case "upgrade":
          continue;
      }
      out.push(name, rawHeaders[i + 1]!.toString("latin1"));
    }
    if (connection !== undefined) dropConnectionTokens(out, connection);
    out.push("x-edge-slot", this.slot);
    this.relayed = statusCode;
    this.resume = resume;
    try {
      this.res.writeHead(statusCode, statusText || undefined, out);
    } catch {
      // A header Node refuses to send (e.g. an invalid character from a broken upstream): answer 502 rather than
      // let the exception take the whole edge down.
      this.relayed = undefined;
      this.attemptDone = true;
      this.abort?.(new Error("upstream sent invalid headers"));
      if (!this.res.headersSent)
        this.res.writeHead(502, { "content-type": "text/plain", "x-edge": "bad-upstream-headers" }).end("upstream sent invalid headers\n");
      return false;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.attemptDone || this.replayTo !== undefined) return true;
    if (this.res.write(chunk)) return true;
    // Backpressure: undici pauses reading the upstream until the client's socket drains.
    if (!this.waitingDrain) {
      this.waitingDrain = true;
      this.res.on("drain", () => this.resume?.());
    }
    return false;
  }

  onComplete(): void {
    if (this.attemptDone) return;
    this.attemptDone = true;
    this.abort = undefined;
    if (this.replayTo !== undefined) {
      this.attempt++;
      this.rebind(this.replayTo);
      return this.send();
    }
    this.res.end();
  }

  onError(err: Error): void {
    if (this.attemptDone) return;
    this.attemptDone = true;
    this.abort = undefined;
    const o = this.proxy.o;
    const code = (err as NodeJS.ErrnoException).code;
    // The client left and we cut the upstream request: not the slot's fault.
    if (this.clientGone) return void this.res.destroy();
    // The client stopped sending the body it announced: its fault, not the slot's.
    if (this.stalled) {
      if (this.res.headersSent) return void this.res.destroy();
      return void this.res
        .writeHead(408, { "content-type": "text/plain", "x-edge": "request-body-timeout", connection: "close" })
        .end("request body timed out\n");
    }
    // A request undici refuses to send (a method or path it cannot write): the client's fault, not the slot's.
    if (code === "UND_ERR_INVALID_ARG" || code === "UND_ERR_NOT_SUPPORTED") {
      if (this.res.headersSent) return void this.res.destroy();
      return void this.res.writeHead(400, { "content-type": "text/plain", "x-edge": "bad-request" }).end("request cannot be forwarded\n");
    }
    if (this.replayTo !== undefined) {
      // The dropped 5xx answer broke off: the replay is still safe (nothing was relayed).
      this.attempt++;
      this.rebind(this.replayTo);
      return this.send();
    }
    const nothingRelayed = this.relayed === undefined && !this.res.headersSent;
    // A keep-alive connection the upstream closed while idle fails before any byte of the answer: replaying a
    // body-less idempotent request is safe (as Node's http docs recommend for `reusedSocket`).
    if (nothingRelayed && this.attempt === 0 && this.retryable && code !== undefined && STALE_CONNECTION.has(code)) {
      this.attempt++;
      return this.send();
    }
    const timeout = code !== undefined && TIMEOUTS.has(code);
    o.outliers.failure(this.up.track, 0, timeout ? "ETIMEDOUT" : code);
    const to = this.replayTarget(nothingRelayed && this.retryable && !this.moved);
    if (to !== undefined) {
      this.attempt++;
      this.rebind(to);
      return this.send();
    }
    this.relayed = undefined;
    if (this.res.headersSent || this.res.destroyed) return void this.res.destroy();
    this.res.writeHead(timeout ? 504 : 502, {
      "content-type": "text/plain",
      "x-edge": timeout ? "upstream-timeout" : "upstream-error",
      "x-edge-slot": this.slot,
    });
    this.res.end(`${timeout ? "upstream timed out" : "upstream unavailable"}\n`);
  }

  // ---- the client's side ----

  /** No byte of the request body for the upstream timeout while the upstream waits for it: cut the attempt. */
  bodyStalled(): void {
    if (this.attemptDone || this.finished || this.req.complete) return;
    this.stalled = true;
    this.abort?.(Object.assign(new Error("request body stalled"), { code: "EDGE_BODY_STALLED" }));
  }

  /** The response closed: finished, or the client went away first (then the upstream request is cut too). */
  responseClosed(): void {
    if (!this.res.writableFinished) {
      this.clientGone = true;
      this.abort?.(new Error("client went away"));
    }
    if (this.finished) return;
    this.finished = true;
    this.up.inflight.dec();
    this.proxy.o.metrics.record(this.app, this.route.name, this.slot, this.relayed, performance.now() - this.started);
  }
}

/**
 * The request body as undici reads it: an iterator that does not destroy `req` when undici stops reading (an
 * upstream that answers early, or fails; destroying it would reset the client's connection before it reads the
 * edge's answer), guarded by an idle timer. undici's own headers timeout only starts once the body is written, so
 * without it a client that announces a body and never sends it would hold the request (and an upstream connection)
 * until Node's 5-minute request timeout.
 */
async function* requestBody(x: Exchange, req: http.IncomingMessage, idleMs: number): AsyncGenerator<Buffer> {
  const timer = setTimeout(bodyStalled, idleMs, x);
  try {
    for await (const chunk of req.iterator({ destroyOnReturn: false })) {
      timer.refresh();
      yield chunk as Buffer;
    }
  } finally {
    clearTimeout(timer);
  }
}

function bodyStalled(x: Exchange): void {
  x.bodyStalled();
}

/** Removes from a flat header list the headers named in a Connection value (they describe one hop only). */
function dropConnectionTokens(headers: string[], connection: string): void {
  // The usual value names no header: skip the split.
  if (connection.length <= 10) {
    const v = connection.toLowerCase();
    if (v === "keep-alive" || v === "close") return;
  }
  const drop = new Set<string>();
  for (const t of connection.split(",")) {
    const n = t.trim().toLowerCase();
    if (n && n !== "close" && n !== "keep-alive") drop.add(n);
  }
  if (drop.size === 0) return;
  let w = 0;
  for (let r = 0; r < headers.length; r += 2) {
    if (drop.has(headers[r]!.toLowerCase())) continue;
    headers[w++] = headers[r]!;
    headers[w++] = headers[r + 1]!;
  }
  headers.length = w;
}
