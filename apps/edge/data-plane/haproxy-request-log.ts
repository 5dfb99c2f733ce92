import * as net from "node:net";
import type { Slot } from "../config";

/** The ring HAProxy writes one line per proxied request into (see `REQUEST_LOG_FORMAT`). */
export const REQUEST_RING = "edge_requests";

/**
 * The line HAProxy writes per proxied request: the route's index (`-` when none matched), the backend (`be_<app>_<slot>`),
 * the status (-1 when none was sent), the active time in ms, and the termination state (its first character `S` or `s`
 * when the slot failed: refused, reset, timed out, so HAProxy answered itself).
 */
export const REQUEST_LOG_FORMAT = "%[var(txn.route)] %b %ST %Ta %ts";

/** One request as the Node proxy's metrics record it. */
export interface RequestRecord {
  route: number | undefined;
  app: string;
  slot: Slot;
  /** The slot's status, or undefined when HAProxy answered for a slot that failed (the metrics' `error` class). */
  status: number | undefined;
  ms: number;
}

/** Parses one request line; undefined for a request that reached no slot (no route, no slot for its app). */
export function parseRequestLine(line: string): RequestRecord | "unrouted" | undefined {
  const f = line.split(" ");
  if (f.length < 5) return undefined;
  const [route, backend, status, ms, ts] = f as [string, string, string, string, string];
  if (!backend.startsWith("be_")) return route === "-" ? "unrouted" : undefined;
  const cut = backend.lastIndexOf("_");
  const slot = backend.slice(cut + 1);
  if (slot !== "blue" && slot !== "green") return undefined;
  const code = Number(status);
  const failed = ts[0] === "S" || ts[0] === "s" || !(code >= 100);
  return {
    route: route === "-" ? undefined : Number(route),
    app: backend.slice(3, cut),
    slot,
    status: failed ? undefined : code,
    ms: Math.max(0, Number(ms) || 0),
  };
}

/**
 * Follows HAProxy's request ring over the runtime API (`show events <ring> -w -n`: one connection that streams new
 * lines), so the edge's per-request metrics (`/__edge/metrics`, the promotion's analysis input) hold HAProxy's
 * traffic as they held the Node proxy's. Read as it comes: pausing the socket to read in batches made HAProxy's
 * ring reader fall behind under load (each line is a small write, and a paused Unix socket holds only a few hundred
 * of them), so the metrics lagged by seconds; this costs the control plane about 10 µs of CPU per request
 * (docs/decisions/edge-data-plane.md). Reconnects after a second if the stream ends while the data plane runs.
 */
export class RequestLogFollower {
  private sock?: net.Socket;
  private rest = "";
  private stopped = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly socketPath: string,
    private readonly onLine: (line: string) => void,
    private readonly log: (msg: string) => void,
  ) {}

  start(): void {
    if (this.stopped) return;
    const sock = net.createConnection(this.socketPath);
    this.sock = sock;
    sock.setEncoding("latin1");
    sock.on("connect", () => sock.write(`show events ${REQUEST_RING} -w -n\n`));
    sock.on("data", (d: string) => {
      const text = this.rest + d;
      let start = 0;
      for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
        if (nl > start) this.onLine(text.slice(start, nl));
        start = nl + 1;
      }
      this.rest = text.slice(start);
    });
    sock.on("error", (e) => this.log(`data plane: HAProxy's request stream failed (${e.message}); reconnecting`));
    sock.on("close", () => {
      this.rest = "";
      if (!this.stopped) this.timer = setTimeout(() => this.start(), 1_000);
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.sock?.destroy();
  }
}
