import type * as http from "node:http";
import type { z } from "zod";
import { BodyError, readJsonBody } from "../../infra/edge-contract/http";

export { sendJson } from "../../infra/edge-contract/http";

/** An error answered with a status and a JSON body `{ error }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * Reads and validates a JSON body of at most `limit` bytes within `timeoutMs` through the edge's one body reader
 * (`readJsonBody` of infra/edge-contract/http.ts, shared with OFREP, flags, alerts and vitals). An empty body reads
 * as `{}`, so a required field is answered 400 naming it; a bad body is `HttpError` 400 naming the field (with
 * `issues`), too large 413, too slow 408.
 */
export async function readJson<T extends z.ZodType>(req: http.IncomingMessage, schema: T, limit = 256 * 1024, timeoutMs = 10_000): Promise<z.output<T>> {
  try {
    return await readJsonBody(req, { maxBytes: limit, timeoutMs, schema });
  } catch (e) {
    if (e instanceof BodyError) throw new HttpError(e.status, e.message, e.issues.length ? { issues: e.issues } : {});
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
