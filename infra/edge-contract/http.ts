import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";

/**
 * The edge's one request-body reader and its JSON answer writer, shared by the edge's own admin API and every
 * extension (flags, OFREP, alerts, vitals), so that a body is judged the same way on every path.
 *
 * The empty-body rule: an empty (or all-whitespace) body reads as `{}`, the empty JSON object. Every endpoint then
 * judges it like any other object: a required field is answered 400 naming that field (`app: app is required`), an
 * optional one (OFREP's `context`) is simply absent. A body that is not JSON is 400 `body: not valid JSON`.
 */

/** A field that failed validation. */
export interface BodyIssue {
  /** Dotted path of the field (`body` for the whole body). */
  path: string;
  message: string;
}

/** Thrown by {@link readBody} and {@link readJsonBody}; carries the HTTP status to answer with. */
export class BodyError extends Error {
  constructor(
    public readonly status: 400 | 408 | 413 | 415,
    message: string,
    /** The invalid fields (schema failures), first one named in `message`. */
    public readonly issues: BodyIssue[] = [],
  ) {
    super(message);
    this.name = "BodyError";
  }
}

/** Limits of a body read. */
export interface BodyLimits {
  /** Larger bodies are 413. */
  maxBytes: number;
  /** A body not fully received by then is 408 (a slow upload cannot pin the server). */
  timeoutMs: number;
}

/**
 * Reads a request body as bytes with a size cap and a deadline. On error the rest of the body is drained and
 * discarded, so the socket can be reused and nothing more is buffered. Used directly only where the exact bytes
 * matter (the peers' signed pushes); JSON bodies go through {@link readJsonBody}.
 */
export function readBody(req: IncomingMessage, opts: BodyLimits): Promise<Buffer> {
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

/** Parses body bytes by the empty-body rule: empty or blank is `{}`; not JSON is {@link BodyError} 400. */
export function parseJsonBody(bytes: Buffer | string): unknown {
  const text = (typeof bytes === "string" ? bytes : bytes.toString("utf8")).trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new BodyError(400, `body: not valid JSON (${(e as Error).message})`, [{ path: "body", message: "not valid JSON" }]);
  }
}

/** Validates a parsed body; a failure is {@link BodyError} 400 naming the first invalid field. */
export function checkBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join(".") || "body", message: i.message }));
  throw new BodyError(400, `${issues[0]!.path}: ${issues[0]!.message}`, issues);
}

/**
 * Reads a JSON request body (limits as {@link readBody}, empty-body rule above) and, given a schema, validates it
 * (400 naming the first invalid field).
 */
export async function readJsonBody(req: IncomingMessage, opts: BodyLimits): Promise<unknown>;
export async function readJsonBody<T extends z.ZodType>(req: IncomingMessage, opts: BodyLimits & { schema: T }): Promise<z.output<T>>;
export async function readJsonBody(req: IncomingMessage, opts: BodyLimits & { schema?: z.ZodType }): Promise<unknown> {
  const body = parseJsonBody(await readBody(req, opts));
  return opts.schema ? checkBody(opts.schema, body) : body;
}

/** `decodeURIComponent` that answers `undefined` for malformed percent-encoding (e.g. `%E0`) instead of throwing. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Writes a JSON (or empty, for `undefined`) response; cuts the connection when an answer already started. */
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
 * Checks `Authorization: Bearer <token>` in constant time. Both sides are hashed to a fixed length first, so the
 * time taken reveals neither the token nor its length. An empty configured token refuses everything, so an edge
 * started without `EDGE_ADMIN_TOKEN` has no open admin API.
 */
export function bearerOk(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return false;
  const m = /^Bearer (\S+)\s*$/i.exec(req.headers.authorization ?? "");
  const given = createHash("sha256")
    .update(m ? m[1]! : "\u0000")
    .digest();
  const want = createHash("sha256").update(token).digest();
  return timingSafeEqual(given, want) && m !== null;
}
