import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyError, decodePathSegment, readJsonBody, sendJson } from "../edge-contract/http";
import { configuration, evaluateBulk, evaluateSingle, type OfrepBulkResponse, type OfrepResponse } from "./ofrep";
import type { FlagStore } from "./store";

/** Options of {@link ofrepHandler}. */
export interface OfrepHandlerOptions {
  /**
   * `Access-Control-Allow-Origin` for browsers (the frontend evaluates flags over OFREP too); `undefined` sends no
   * CORS headers. Use the frontend's origin, or `*` (flag values are not secret; no credentials are accepted).
   */
  allowOrigin?: string;
  /** Largest accepted request body (default 16 KiB: a context is small). */
  maxBodyBytes?: number;
  /** Deadline for receiving the body (default 2 s). */
  bodyTimeoutMs?: number;
  /** Advertised in `/ofrep/v1/configuration` (default 1000 ms). */
  minPollingIntervalMs?: number;
  /** Advertised as the bulk response's `eventStreams` (OFREP 0.3.0) when the server pushes changes. */
  eventStreams?: OfrepBulkResponse["eventStreams"];
  /**
   * Awaited before a bulk evaluation (with the request URL): the edge uses it to let this instance catch up with a
   * change another instance announced (`flagConfigEtag`). Must resolve (bounded) and never reject.
   */
  beforeBulk?: (url: URL) => Promise<void>;
}

const PREFIX = "/ofrep/v1/";

/**
 * A node:http request handler for OFREP that the edge mounts in front of its proxy:
 *
 * ```ts
 * const ofrep = ofrepHandler(store, { allowOrigin: "https://alphaplatform.example" });
 * http.createServer((req, res) => { if (ofrep(req, res)) return; proxy(req, res); });
 * ```
 *
 * Returns `true` when the request was for `/ofrep/v1/…` (and is being answered), `false` to let the caller route it.
 */
export function ofrepHandler(
  storeOrGetter: FlagStore | (() => FlagStore),
  opts: OfrepHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => boolean {
  // A getter: the edge swaps its store on every change, and a bulk request may wait (beforeBulk) for a newer one.
  const current = typeof storeOrGetter === "function" ? storeOrGetter : () => storeOrGetter;
  const maxBytes = opts.maxBodyBytes ?? 16 * 1024;
  const timeoutMs = opts.bodyTimeoutMs ?? 2000;
  const cors: Record<string, string> = opts.allowOrigin
    ? {
        "access-control-allow-origin": opts.allowOrigin,
        "access-control-expose-headers": "ETag",
        vary: "Origin",
      }
    : {};
  const send = (res: ServerResponse, r: OfrepResponse) => sendJson(res, r.status, r.body, { ...r.headers, ...cors });

  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://edge");
    } catch {
      return false; // not a path this handler could serve; the caller answers it
    }
    if (!url.pathname.startsWith(PREFIX)) return false;
    const path = url.pathname.slice(PREFIX.length);

    if (req.method === "OPTIONS" && opts.allowOrigin) {
      res.writeHead(204, {
        ...cors,
        "access-control-allow-methods": "POST, GET, OPTIONS",
        "access-control-allow-headers": "content-type, if-none-match, last-event-id",
        "access-control-max-age": "600",
      });
      res.end();
      return true;
    }
    if (path === "configuration" && req.method === "GET") {
      send(res, configuration(opts.minPollingIntervalMs ?? 1000));
      return true;
    }
    const single = /^evaluate\/flags\/([^/]+)$/.exec(path);
    if (path !== "evaluate/flags" && !single) {
      sendJson(res, 404, { errorDetails: `no OFREP route ${url.pathname}` }, cors);
      return true;
    }
    if (req.method !== "POST") {
      sendJson(res, 405, { errorDetails: "OFREP evaluation endpoints take POST" }, { allow: "POST", ...cors });
      return true;
    }
    // Decode the key before anything else: malformed percent-encoding (`%E0`) is the client's error (400), and
    // must never throw later inside a promise callback, where nothing would catch it.
    const key = single ? decodePathSegment(single[1]!) : undefined;
    if (single && key === undefined) {
      req.resume();
      sendJson(
        res,
        400,
        { key: single[1], errorCode: "PARSE_ERROR", errorDetails: "the flag key in the path is not valid percent-encoding (UTF-8, e.g. %C3%A9)" },
        cors,
      );
      return true;
    }
    readJsonBody(req, { maxBytes, timeoutMs })
      .then(
        async (body) => {
          if (key !== undefined) return send(res, evaluateSingle(current(), key, body));
          if (opts.beforeBulk) await opts.beforeBulk(url);
          send(res, evaluateBulk(current(), body, headerOf(req, "if-none-match"), opts.eventStreams));
        },
        (err: unknown) => {
          const status = err instanceof BodyError ? err.status : 400;
          sendJson(
            res,
            status,
            { ...(key !== undefined ? { key } : {}), errorCode: "PARSE_ERROR", errorDetails: err instanceof Error ? err.message : "bad request" },
            cors,
          );
        },
      )
      // Last resort: an evaluation that throws answers 500 rather than leaving a rejected promise behind.
      .catch(() => sendJson(res, 500, { errorCode: "GENERAL", errorDetails: "internal error" }, cors));
    return true;
  };
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(",") : v;
}
