import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Thrown by {@link readJsonBody}; carries the HTTP status to answer with. */
export class BodyError extends Error {
  constructor(public readonly status: 400 | 408 | 413 | 415, message: string) {
    super(message);
  }
}

/**
 * Reads a request body as bytes with a size cap and a deadline, so a slow or huge upload cannot pin the server.
 * The one body reader of the edge (JSON bodies go through {@link readJsonBody}). On error the rest of the body is
 * drained and discarded, so the socket can be reused and nothing more is buffered.
 */
export function readBody(req: IncomingMessage, opts: { maxBytes: number; timeoutMs: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | undefined, value?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        req.resume(); // drain so the socket can be reused
        reject(err);
      } else resolve(value!);
    };
    const timer = setTimeout(() => finish(new BodyError(408, `request body not received within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on("data", (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > opts.maxBytes) return finish(new BodyError(413, `request body larger than ${opts.maxBytes} bytes`));
      chunks.push(c);
    });
    // A client that goes away mid-body: answer nothing, but settle (the caller's response goes nowhere).
    req.on("error", () => finish(new BodyError(400, "request body was cut off")));
    req.on("aborted", () => finish(new BodyError(400, "request body was cut off")));
    req.on("end", () => finish(undefined, Buffer.concat(chunks)));
  });
}

/**
 * Reads a JSON request body (see {@link readBody} for the limits). An empty (or all-blank) body reads as
 * `undefined`, so each caller says what absence means (the admin API treats it as `{}`, so its errors name the
 * first missing field; OFREP as "no context"). Not JSON: {@link BodyError} 400.
 */
export async function readJsonBody(req: IncomingMessage, opts: { maxBytes: number; timeoutMs: number }): Promise<unknown> {
  const text = (await readBody(req, opts)).toString("utf8").trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError(400, "request body is not valid JSON");
  }
}

/** `decodeURIComponent` that answers `undefined` for malformed percent-encoding (e.g. `%E0`) instead of throwing. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Writes a JSON (or empty) response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // Answering twice (an error after the answer started) must not throw from an error handler: cut the
  // connection instead, which is all that can still be said.
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
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
