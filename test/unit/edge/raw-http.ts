import * as net from "node:net";

/** What came back on the socket for one raw request. */
export interface RawAnswer {
  /** The status of the first response line, or 0 when the connection closed without one. */
  status: number;
  /** The first line as received (`HTTP/1.1 400 Bad Request`), or "" when none came. */
  statusLine: string;
  raw: string;
}

/**
 * Sends `request` (bytes as given: any method, path, header or body, even ones fetch or node:http refuse to send)
 * to `base` and reads the first response, until the connection closes, the response is complete or `timeoutMs`.
 */
export function rawRequest(base: string, request: Buffer | string, timeoutMs = 10_000, opts: { halfClose?: boolean; head?: boolean } = {}): Promise<RawAnswer> {
  const u = new URL(base);
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.hostname, port: Number(u.port) });
    let buf = Buffer.alloc(0);
    let settled = false;
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = finalResponse(buf.toString("latin1"));
      const line = raw.split("\r\n")[0] ?? "";
      const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(line);
      resolve({ status: m ? Number(m[1]) : 0, statusLine: m ? line : "", raw });
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on("error", done);
    socket.on("close", done);
    socket.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (complete(buf, opts.head ?? /^HEAD /.test(String(request)))) done();
    });
    socket.on("connect", () => {
      socket.write(request, () => {
        if (opts.halfClose) socket.end();
      });
    });
  });
}

/** A response is complete once its headers and `content-length` bytes of body arrived (or a 204/304/HEAD head). */
function complete(buf: Buffer, head: boolean): boolean {
  const all = buf.toString("latin1");
  const text = finalResponse(all);
  if (text !== all) buf = Buffer.from(text, "latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return false;
  const lines = text.slice(0, end);
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines)?.[1] ?? 0);
  if (head && status >= 200) return true;
  if (status >= 100 && status < 200) return false; // only an interim answer so far: the real one follows
  if (status === 204 || status === 304) return true;
  const len = /\r\ncontent-length:\s*(\d+)/i.exec(lines)?.[1];
  if (len !== undefined) return buf.length - (end + 4) >= Number(len);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(lines)) return text.endsWith("0\r\n\r\n");
  return false;
}

/** The response after any interim (1xx) responses, e.g. `100 Continue`; the interim one when nothing followed. */
function finalResponse(text: string): string {
  let rest = text;
  for (;;) {
    const m = /^HTTP\/1\.[01] 1\d\d[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n/.exec(rest);
    if (!m || m[0].length === rest.length) return rest;
    rest = rest.slice(m[0].length);
  }
}
