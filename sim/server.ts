import { randomBytes } from "node:crypto";
import http from "node:http";
import type { SimApp } from "./app";
import { authorize, bearerToken, keyMatches } from "./http/auth";
import { OPERATOR_USER_ID, principalForKey, principalOf, type Principal } from "./domain/users";
import { Router, type Ctx, type Reply, type Route } from "./http/router";
import { check, checkBodyShape, dropNulls, nullPaths, requestBodyValidator, zeroFillNulls } from "./openapi/validator";
import { bucketsFor, RateLimiter, type BucketState } from "./ratelimit";
import { adminAuthorized, ApiFaults } from "./api/faults";
import { ApiError } from "./render/errors";
import { lingerOnClose } from "../infra/http/lingering-close";

/** Largest accepted request body; larger ones get 413 before they are read to the end. */
const MAX_BODY_BYTES = 1024 * 1024;

/** Headers Render sends on every API response (cassette-notes §8). */
const STATIC_HEADERS: Record<string, string> = {
  Vary: "Origin",
  "Referrer-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "X-Xss-Protection": "1; mode=block",
};

const POD = `api-sim${randomBytes(4).toString("hex")}-${randomBytes(3).toString("hex")}`;
let requestCounter = 0;

/** Admin (`/__sim/…`) handler: gets the raw request, answers fully. */
type AdminHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: unknown) => Promise<void> | void;

interface ServerDeps {
  app: SimApp;
  apiKey: string;
  routes: Route[];
  admin: AdminHandler;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > MAX_BODY_BYTES) return reject(new ApiError(413, `request body too large: ${declared} bytes, the limit is ${MAX_BODY_BYTES}`));
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      // Keep draining so the 413 can still be written on this connection.
      if (size > MAX_BODY_BYTES) tooBig = true;
      else chunks.push(c);
    });
    req.on("end", () => (tooBig ? reject(new ApiError(413, `request body too large: more than ${MAX_BODY_BYTES} bytes`)) : resolve(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, limits: BucketState[] | undefined): void {
  const headers: Record<string, string | string[]> = {
    ...STATIC_HEADERS,
    "Render-Request-Id": `${POD}/${randomBytes(5).toString("base64url")}-${++requestCounter}`,
  };
  if (limits && limits.length) {
    // One value per bucket: Render repeats the headers when a request counts against two buckets.
    const many = (f: (s: BucketState) => number) => (limits.length === 1 ? String(f(limits[0])) : limits.map((s) => String(f(s))));
    headers["Ratelimit-Limit"] = many((s) => s.limit);
    headers["Ratelimit-Remaining"] = many((s) => s.remaining);
    headers["Ratelimit-Reset"] = many((s) => s.resetSeconds);
  }
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  headers["Content-Type"] = "application/json; charset=utf-8";
  headers["Content-Length"] = String(Buffer.byteLength(text));
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * The simulator's HTTP server: Render's API under `/v1` (Bearer auth, rate limits, OpenAPI request validation,
 * one transaction per request) and the admin API under `/__sim/`. Any failure inside a handler becomes an error
 * response; the server keeps serving.
 */
export function createSimServer(deps: ServerDeps): http.Server {
  const router = new Router();
  router.add(deps.routes);
  const limiter = new RateLimiter(deps.app.options.rateLimit);
  // API-level fault injection (`/__sim/api-faults`, see sim/api/faults.ts): off until configured.
  const faults = new ApiFaults();

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const method = (req.method ?? "GET").toUpperCase();
    let limits: BucketState[] | undefined;
    try {
      const url = requestUrl(req.url);
      if (url.pathname.startsWith("/__sim/")) {
        const raw = await readBody(req);
        const body = raw.length ? parseJsonBody(raw.toString("utf8")) : undefined;
        if (url.pathname === "/__sim/api-faults") {
          if (!adminAuthorized(req, deps.apiKey)) throw new ApiError(401, "Unauthorized");
          faults.handleAdmin(method, url.pathname, body, (status, b) => send(res, status, b, undefined));
          return;
        }
        await deps.admin(req, res, body);
        return;
      }
      if (!url.pathname.startsWith("/v1/") && url.pathname !== "/v1") throw new ApiError(404, `not found: ${url.pathname}`);
      const path = url.pathname.slice(3) || "/";
      const token = bearerToken(req);
      const matched = router.match(method, path);
      const template = matched && matched !== "method" ? matched.route.template : path;
      // Every key belongs to a user: the default key to the operator (Admin of every seeded workspace), the others
      // to the users seeded in sim/domain/users.ts, whose workspace roles decide what the key may change.
      const principal: Principal | undefined = !token
        ? undefined
        : keyMatches(token, deps.apiKey)
          ? principalOf(deps.app, OPERATOR_USER_ID)
          : principalForKey(deps.app, token);
      if (!principal) {
        limits = limiter.take(`anon:${req.socket.remoteAddress ?? ""}`, bucketsFor(method, template));
        throw new ApiError(401, "Unauthorized");
      }
      limits = limiter.take(`key:${token}`, bucketsFor(method, template));
      if (limits.some((l) => l.exceeded)) throw new ApiError(429, "rate limit exceeded, retry after the number of seconds in Ratelimit-Reset");
      const fault = faults.decide(method, path);
      if (fault?.when === "before") throw ApiFaults.error(fault);
      if (!matched) throw new ApiError(404, `not found: ${url.pathname}`);
      if (matched === "method") throw new ApiError(405, `method ${method} is not allowed on ${url.pathname}`);
      if (matched.badParam) {
        throw new ApiError(
          400,
          `invalid path parameter "${matched.badParam}": ${JSON.stringify(matched.params[matched.badParam])} is not percent-encoded UTF-8`,
        );
      }

      const raw = await readBody(req);
      let rawBody: unknown;
      if (raw.length && method !== "GET" && method !== "DELETE") rawBody = parseJsonBody(raw.toString("utf8"));
      const body = rawBody === undefined || rawBody === null ? undefined : dropNulls(rawBody);
      const { route, params } = matched;
      const nulls = nullPaths(rawBody);
      // Every operation, also those whose handler validates its own body: no body, `null`, or a JSON value of the
      // wrong kind gets Render's 400 here, so no handler ever dereferences a body that is not there.
      checkBodyShape(method, route.template, body);
      if (route.validate !== false && body !== undefined) check(requestBodyValidator(method, route.template), body, "", nulls);
      if (route.validate !== false) zeroFillNulls(method, route.template, body, nulls);
      const ctx: Ctx = { app: deps.app, method, template: route.template, params, query: url.searchParams, body, rawBody, nulls, effects: [], principal };
      const reply: Reply = deps.app.store.tx(() => {
        authorize(deps.app, principal, method, params, url.searchParams, body);
        return route.handler(ctx);
      });
      if (fault?.when === "after") {
        const err = ApiFaults.error(fault);
        send(res, err.status, err.body(), limits);
      } else send(res, reply.status, reply.body, limits);
      for (const effect of ctx.effects) {
        try {
          await effect();
        } catch {
          // Effects talk to the data plane after the answer was sent; its failures surface through deploy status.
        }
      }
    } catch (e) {
      if (res.headersSent) return;
      if (e instanceof ApiError) {
        send(res, e.status, e.body(), limits);
      } else {
        send(res, 500, { message: "internal error" }, limits);
        process.emitWarning(`simulator handler failed: ${e instanceof Error ? e.stack : String(e)}`);
      }
    }
  };

  const server = http.createServer((req, res) => {
    // `handle` answers every failure itself; this is the last line of defence, so a bug there can never become an
    // unhandled rejection (which would end the process).
    handle(req, res).catch((e: unknown) => {
      process.emitWarning(`simulator request failed: ${e instanceof Error ? e.stack : String(e)}`);
      if (!res.headersSent) send(res, 500, { message: "internal error" }, undefined);
      else res.destroy();
    });
  });
  // Malformed HTTP (bad request line, oversized headers): answer 400 like Go's net/http and close, never throw.
  lingerOnClose(server, {
    clientErrorAnswer: () => "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request",
  });
  server.keepAliveTimeout = 5000;
  return server;
}

/**
 * Deepest nesting of arrays and objects a request body may have. Go's decoder stops at 10,000; every walk of a body
 * here (null handling, validation) recurses, so the simulator stops far earlier. Render's own bodies nest < 10 deep.
 */
const MAX_BODY_DEPTH = 256;

/** Nesting depth of a JSON text, counted without parsing it (brackets inside strings do not count). */
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) max = Math.max(max, ++depth);
    else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return max;
}

/** A request body's JSON, or Render's 400 for text that is not JSON or nests deeper than {@link MAX_BODY_DEPTH}. */
function parseJsonBody(text: string): unknown {
  if (jsonDepth(text) > MAX_BODY_DEPTH) throw new ApiError(400, `invalid JSON body: nested deeper than ${MAX_BODY_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, `invalid JSON body: ${(e as Error).message}`);
  }
}

/** The request target as a URL; 400 for one that cannot be parsed (the raw target is never trusted). */
function requestUrl(target: string | undefined): URL {
  try {
    return new URL(target ?? "/", "http://sim.local");
  } catch {
    throw new ApiError(400, "invalid request target");
  }
}
