import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Thrown by {@link readJsonBody}; carries the HTTP status to answer with. */
export class BodyError extends Error {
  constructor(public readonly status: 400 | 408 | 413 | 415, message: string) {
    super(message);
  }
}

/**
 * Reads a JSON request body with a size cap and a deadline, so a slow or huge upload cannot pin the edge.
 * An empty body reads as `undefined`.
 */
export function readJsonBody(req: IncomingMessage, opts: { maxBytes: number; timeoutMs: number }): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | undefined, value?: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        req.resume(); // drain so the socket can be reused
        reject(err);
      } else resolve(value);
    };
    const timer = setTimeout(() => finish(new BodyError(408, `request body not received within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > opts.maxBytes) return finish(new BodyError(413, `request body larger than ${opts.maxBytes} bytes`));
      if (!done) chunks.push(c);
    });
    req.on("error", (e) => finish(e));
    req.on("end", () => {
      if (done) return;
      const text = Buffer.concat(chunks).toString("utf8").trim();
      if (!text) return finish(undefined, undefined);
      try {
        finish(undefined, JSON.parse(text));
      } catch {
        finish(new BodyError(400, "request body is not valid JSON"));
      }
    });
  });
}

/** Writes a JSON (or empty) response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...(payload ? { "content-type": "application/json; charset=utf-8" } : {}),
    "content-length": String(Buffer.byteLength(payload)),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(payload);
}

/**
 * Checks `Authorization: Bearer <token>` in constant time. An empty configured token refuses everything, so an
 * edge started without `EDGE_ADMIN_TOKEN` has no open admin API.
 */
export function bearerOk(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return false;
  const got = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
  const a = Buffer.from(got);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
