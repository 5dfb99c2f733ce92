import type * as http from "node:http";
import type { Duplex } from "node:stream";

/** How long a closing connection keeps reading what the client still sends (nginx: `lingering_time`). */
const LINGER_TOTAL_MS = 10_000;
/** …and how long it waits for the next bytes before giving up (nginx: `lingering_timeout`). */
const LINGER_IDLE_MS = 2_000;

/**
 * Closes connections the way nginx's lingering close does, on every path that closes one.
 *
 * Why: when a server answers before reading the whole request (a 401, 404 or 400 to a request with a large body)
 * and then closes, the client is still sending. The server's kernel answers those bytes with a TCP reset, and the
 * client's kernel, on that reset, discards the answer it had already received but not yet read: the client sees
 * "connection reset" and no HTTP answer at all (reproduced: 200 of 200 requests with a 32 MB body lost their 200).
 * Node's HTTP server does not linger, neither after a `connection: close` answer (`socket.destroySoon()`) nor after
 * a parse error (`clientError`, whose default destroys the socket at once).
 *
 * So, on the server given: a parse error is answered (400, 408 or 431) when nothing was sent yet, and every close
 * sends our FIN, then reads and drops what still arrives until the client closes its side, for at most
 * {@link LINGER_TOTAL_MS} and {@link LINGER_IDLE_MS} between reads, and only then releases the socket.
 */
export function lingerOnClose(server: http.Server, opts: LingerOptions = {}): void {
  const bounds = { totalMs: opts.totalMs ?? LINGER_TOTAL_MS, idleMs: opts.idleMs ?? LINGER_IDLE_MS };
  const answer =
    opts.clientErrorAnswer ?? ((err) => `HTTP/1.1 ${clientErrorStatus(err)}\r\ncontent-type: text/plain\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
  server.on("connection", (socket: import("node:net").Socket) => {
    socket.destroySoon = () => linger(socket, bounds);
  });
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    socket.on("error", () => undefined);
    if (!socket.writable) return void socket.destroy();
    const inFlight = (socket as unknown as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!inFlight?.headersSent) socket.write(answer(err));
    linger(socket, bounds);
  });
}

/** Options of {@link lingerOnClose}. */
export interface LingerOptions {
  /** The raw answer to a parse error (the simulator answers as Go's net/http does); default an empty 400/408/431. */
  clientErrorAnswer?: (err: NodeJS.ErrnoException) => string;
  /** Longest time a closing connection keeps reading (default 10 s). */
  totalMs?: number;
  /** Longest wait for the client's next bytes while lingering (default 2 s). */
  idleMs?: number;
}

/** The answer to a request Node could not parse. */
function clientErrorStatus(err: NodeJS.ErrnoException): string {
  if (err.code === "HPE_HEADER_OVERFLOW") return "431 Request Header Fields Too Large";
  if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") return "408 Request Timeout";
  return "400 Bad Request";
}

/** Half-close now, drain and drop the client's remaining bytes, release the socket when it is done or too slow. */
function linger(socket: Duplex, { totalMs, idleMs }: { totalMs: number; idleMs: number }): void {
  if (socket.destroyed) return;
  socket.on("error", () => undefined);
  socket.end();
  // Whatever still arrives is dropped unparsed: the answer that closes the connection was the last one.
  socket.removeAllListeners("data");
  let idle = setTimeout(() => socket.destroy(), idleMs);
  const total = setTimeout(() => socket.destroy(), totalMs);
  idle.unref();
  total.unref();
  socket.on("data", () => {
    clearTimeout(idle);
    idle = setTimeout(() => socket.destroy(), idleMs);
    idle.unref();
  });
  socket.once("end", () => socket.destroy());
  // Node's HTTP parser reads the socket's handle directly and stops it when a body is not consumed; the stream then
  // still reports itself flowing, so `resume()` alone would not read again. Start the handle as net's own
  // `tryReadStart` does.
  const handle = (socket as unknown as { _handle?: { reading?: boolean; readStart?: () => number } })._handle;
  if (handle && !handle.reading && typeof handle.readStart === "function") {
    handle.reading = true;
    handle.readStart();
  }
  socket.once("close", () => {
    clearTimeout(idle);
    clearTimeout(total);
  });
  socket.resume();
}
