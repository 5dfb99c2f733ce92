import type { IncomingMessage, ServerResponse } from "node:http";
import type { Writable } from "node:stream";
import { sendJson } from "../edge-contract/http";

/**
 * Pushed flag changes: a server-sent-events stream that tells OFREP clients to re-fetch their bulk evaluation, as
 * OFREP's ADR-0008 ("SSE for bulk evaluation changes", OFREP 0.3.0) specifies. Events are notifications only
 * (`{"type":"refetchEvaluation","etag":…,"lastModified":…}`): no flag value, definition or context ever travels on
 * the stream, so an unauthenticated subscriber learns nothing beyond "something changed" and still gets values only
 * through the OFREP evaluation endpoints, for its own context.
 */

/** The path of the stream on the edge (public, like the rest of OFREP). */
export const OFREP_EVENTS_PATH = "/ofrep/v1/events";

/** An entry of the bulk response's `eventStreams` (OFREP 0.3.0): where to subscribe. */
export interface OfrepEventStream {
  type: "sse";
  /** `requestUri` relative to the OFREP base URL the client already uses (no origin: works behind any proxy). */
  endpoint: { requestUri: string };
  /** Seconds of client inactivity after which it should close the stream (0: keep it). */
  inactivityDelaySec?: number;
}

/** A flag change, as published by the edge when the served flag document changes. */
export interface FlagChange {
  /** The shared-state version that holds the change (monotonic across edge instances). */
  version: number;
  /** The flag store's revision (a hash of the served document). */
  revision: string;
  at: Date;
}

/** Options of {@link FlagEventHub}. */
export interface FlagEventHubOptions {
  /** Concurrent streams this instance serves; more are answered 503 (clients keep polling). Default 1000. */
  maxStreams?: number;
  /** A comment line is sent this often, so clients and proxies see a live stream. Default 15 000 ms. */
  heartbeatMs?: number;
  /**
   * Bytes a stream may hold unsent in this process. A client that does not read is dropped when it exceeds this or
   * has not drained for a whole heartbeat interval. Events are coalesced (only the latest is kept), so a slow
   * reader costs at most one event, never a queue. Default 16 KiB.
   */
  maxBufferedBytes?: number;
  /** Streams are closed after this long (clients reconnect, which spreads them over new instances). Default 10 min. */
  maxStreamAgeMs?: number;
  /** The SSE `retry:` hint sent to clients (reconnect delay). Default 1000 ms. */
  retryMs?: number;
  /** CORS headers to add (the OFREP handler's). */
  cors?: Record<string, string>;
}

/** Counters for tests, metrics and logs. */
export interface FlagEventHubStats {
  streams: number;
  /** Bytes held unsent across all streams now. */
  bufferedBytes: number;
  refusedAtLimit: number;
  droppedSlow: number;
  closedByAge: number;
  published: number;
}

interface Stream {
  out: Writable;
  /** An event written while the stream could not take it: the latest one, sent on `drain`. */
  pending?: string;
  /** The stream still needed draining at the last heartbeat. */
  stalled: boolean;
  ageTimer?: NodeJS.Timeout;
}

/** Formats one event frame (also used by tests to know what a client receives). */
export function eventFrame(change: FlagChange): string {
  const data = { type: "refetchEvaluation", etag: flagConfigEtag(change), lastModified: Math.floor(change.at.getTime() / 1000) };
  return `id: ${change.version}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The `etag` of an event: opaque to clients, it carries the state version so any instance can tell if it is behind. */
export function flagConfigEtag(change: Pick<FlagChange, "version" | "revision">): string {
  return `"${change.version}.${change.revision}"`;
}

/** Parses an event `etag` (sent back as the `flagConfigEtag` query parameter); undefined when it is not ours. */
export function parseFlagConfigEtag(raw: string | null | undefined): { version: number; revision: string } | undefined {
  const m = /^"?(\d{1,15})\.([A-Za-z0-9_-]{1,64})"?$/.exec(raw ?? "");
  return m ? { version: Number(m[1]), revision: m[2]! } : undefined;
}

/**
 * The SSE side of the edge's flag serving: keeps the open streams of this instance and writes each change to all
 * of them. Every bound is explicit: a stream limit, heartbeats, a per-stream buffer bound, and a maximum age.
 */
export class FlagEventHub {
  private readonly streams = new Set<Stream>();
  private readonly o: Required<Omit<FlagEventHubOptions, "cors">> & { cors: Record<string, string> };
  private last: FlagChange | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly counters = { refusedAtLimit: 0, droppedSlow: 0, closedByAge: 0, published: 0 };

  constructor(opts: FlagEventHubOptions = {}) {
    this.o = {
      maxStreams: opts.maxStreams ?? 1000,
      heartbeatMs: opts.heartbeatMs ?? 15_000,
      maxBufferedBytes: opts.maxBufferedBytes ?? 16 * 1024,
      maxStreamAgeMs: opts.maxStreamAgeMs ?? 10 * 60_000,
      retryMs: opts.retryMs ?? 1000,
      cors: opts.cors ?? {},
    };
    for (const [k, v] of Object.entries({
      maxStreams: this.o.maxStreams,
      heartbeatMs: this.o.heartbeatMs,
      maxBufferedBytes: this.o.maxBufferedBytes,
      maxStreamAgeMs: this.o.maxStreamAgeMs,
    })) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`FlagEventHub: ${k} must be a positive integer, got ${v}`);
    }
  }

  /** The `eventStreams` entry the bulk response advertises. */
  advertisement(): OfrepEventStream {
    return { type: "sse", endpoint: { requestUri: OFREP_EVENTS_PATH } };
  }

  /** `GET /ofrep/v1/events`: opens a stream, or answers 405/503. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    if (req.method !== "GET") return sendJson(res, 405, { errorDetails: "the OFREP event stream takes GET" }, { allow: "GET", ...this.o.cors });
    if (this.closed || this.streams.size >= this.o.maxStreams) {
      this.counters.refusedAtLimit += this.closed ? 0 : 1;
      return sendJson(
        res,
        503,
        { errorDetails: "no event stream available on this instance now; keep polling and retry later" },
        { "retry-after": "30", ...this.o.cors },
      );
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      // Proxies (nginx and friends) must not buffer the stream.
      "x-accel-buffering": "no",
      ...this.o.cors,
    });
    // A peer that vanished without a FIN is found by the kernel's keepalive probes, besides the heartbeat writes.
    res.socket?.setKeepAlive(true, this.o.heartbeatMs);
    res.socket?.setNoDelay(true);
    const lastId = req.headers["last-event-id"];
    // A client resuming after a change it missed gets the latest event at once (missed events collapse into one).
    const replay = this.last && typeof lastId === "string" && lastId !== String(this.last.version) ? eventFrame(this.last) : "";
    this.attach(res, `retry: ${this.o.retryMs}\n: stream open\n\n${replay}`);
  }

  /** Serves events on any writable (the response of `handle`; tests use a stalled stream). */
  attach(out: Writable, first = ""): void {
    const s: Stream = { out, stalled: false };
    this.streams.add(s);
    this.ensureHeartbeat();
    const remove = () => this.forget(s);
    out.on("close", remove);
    out.on("error", () => {
      remove();
      out.destroy();
    });
    out.on("drain", () => {
      s.stalled = false;
      const p = s.pending;
      s.pending = undefined;
      if (p) this.write(s, p);
    });
    s.ageTimer = setTimeout(
      () => {
        this.counters.closedByAge += 1;
        remove();
        out.end();
      },
      this.o.maxStreamAgeMs + Math.floor(Math.random() * this.o.maxStreamAgeMs * 0.1),
    );
    s.ageTimer.unref();
    if (first) this.write(s, first);
  }

  /** Sends a change to every stream of this instance. */
  publish(change: FlagChange): void {
    this.last = change;
    this.counters.published += 1;
    const frame = eventFrame(change);
    for (const s of this.streams) this.write(s, frame);
  }

  stats(): FlagEventHubStats {
    let bufferedBytes = 0;
    for (const s of this.streams) bufferedBytes += s.out.writableLength;
    return { streams: this.streams.size, bufferedBytes, ...this.counters };
  }

  /** Ends every stream and refuses new ones (edge shutdown). */
  close(): void {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const s of [...this.streams]) {
      if (s.ageTimer) clearTimeout(s.ageTimer);
      this.streams.delete(s);
      s.out.end();
    }
  }

  private write(s: Stream, chunk: string): void {
    if (s.out.destroyed) return;
    if (s.out.writableNeedDrain) {
      // Coalesce: a stream that cannot take data holds the latest event only (heartbeats are simply skipped).
      if (!chunk.startsWith(":")) s.pending = chunk;
      return;
    }
    s.out.write(chunk);
    if (s.out.writableLength > this.o.maxBufferedBytes) this.drop(s);
  }

  private drop(s: Stream): void {
    this.counters.droppedSlow += 1;
    this.forget(s);
    s.out.destroy();
  }

  private forget(s: Stream): void {
    if (!this.streams.delete(s)) return;
    if (s.ageTimer) clearTimeout(s.ageTimer);
    if (this.streams.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  private ensureHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      for (const s of [...this.streams]) {
        // Not drained for a whole interval: the client is not reading (or is gone); free its slot.
        if (s.out.writableNeedDrain) {
          if (s.stalled) this.drop(s);
          else s.stalled = true;
          continue;
        }
        this.write(s, ": hb\n\n");
      }
    }, this.o.heartbeatMs);
    this.heartbeat.unref();
  }
}
