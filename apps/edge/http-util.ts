import type * as http from "node:http";
import { BodyError, readJsonBody } from "../../infra/flags/http-json";

/** An error answered with a status and a JSON body `{ error }`. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}

/** Writes a JSON response (or cuts the connection when an answer already started: it cannot be answered twice). */
export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return void res.destroy();
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", "content-length": Buffer.byteLength(text) }).end(text);
}

/**
 * Reads a JSON body of at most `limit` bytes within `timeoutMs`: the edge's one body reader (`readJsonBody` of
 * infra/flags/http-json.ts, shared with OFREP, flags, alerts and vitals), its errors as `HttpError` 400/408/413.
 * An empty body reads as `undefined`.
 */
export async function readJson(req: http.IncomingMessage, limit = 256 * 1024, timeoutMs = 10_000): Promise<unknown> {
  try {
    return await readJsonBody(req, { maxBytes: limit, timeoutMs });
  } catch (e) {
    if (e instanceof BodyError) throw new HttpError(e.status, e.message);
    throw e;
  }
}

/**
 * The status to answer for an error thrown while serving a request: the client's fault (bad percent-encoding, a
 * body error, an `HttpError` 4xx) is 4xx; anything else is the edge's own fault (500).
 */
export function statusOf(e: unknown): number {
  if (e instanceof HttpError || e instanceof BodyError) return e.status;
  if (e instanceof URIError) return 400;
  return 500;
}
