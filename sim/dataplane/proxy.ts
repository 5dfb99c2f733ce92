import { request, type IncomingMessage, type ServerResponse } from "node:http";
import { plainError, type Backend } from "./backend";
import type { ChildInstance } from "./child";

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection and are never forwarded. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization"]);

/**
 * Copies raw headers (`[name, value, name, value, …]`, the cheapest form Node accepts) without hop-by-hop ones.
 * `x-forwarded-for` gets the client's address appended, as a load balancer does.
 */
function forwardHeaders(req: IncomingMessage): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  let xff: string | undefined;
  let proto = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(name)) continue;
    if (name === "x-forwarded-for") {
      xff = xff ? `${xff}, ${raw[i + 1]}` : raw[i + 1];
      continue;
    }
    if (name === "x-forwarded-proto") proto = true;
    out.push(raw[i], raw[i + 1]);
  }
  const ip = req.socket.remoteAddress ?? "";
  out.push("x-forwarded-for", xff ? `${xff}, ${ip}` : ip);
  if (!proto) out.push("x-forwarded-proto", "http");
  return out;
}

function responseHeaders(up: IncomingMessage, instance: string): string[] {
  const raw = up.rawHeaders;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!HOP_BY_HOP.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  out.push("x-sim-instance", instance);
  return out;
}

/**
 * Proxies a service's requests to its running child instances, round-robin, over keep-alive connections. A request
 * without a body that fails on a reused connection before any answer (the instance closed it as we sent) is retried
 * once on the next instance, as Node's documentation advises; anything else becomes Render's 502.
 */
export class ProcessBackend implements Backend {
  private next = 0;

  constructor(
    readonly instances: ChildInstance[],
    private readonly timeoutMs: number,
  ) {}

  get instanceCount(): number {
    let n = 0;
    for (const c of this.instances) if (c.alive) n++;
    return n;
  }

  private pick(): ChildInstance | undefined {
    const n = this.instances.length;
    for (let k = 0; k < n; k++) {
      const c = this.instances[this.next++ % n];
      if (c.alive) return c;
    }
    return undefined;
  }

  handle(req: IncomingMessage, res: ServerResponse, _path: string, retried = false): void {
    const target = this.pick();
    if (!target) {
      req.resume();
      plainError(res, 502, "Bad Gateway");
      return;
    }
    const bodiless = req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS" || req.method === "DELETE";
    target.inflight++;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      target.inflight--;
    };
    const up = request(
      { host: target.host, port: target.port, method: req.method, path: req.url, headers: forwardHeaders(req), agent: target.agent, timeout: this.timeoutMs },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, responseHeaders(upRes, target.id));
        upRes.pipe(res);
        upRes.once("end", finish);
        upRes.once("error", () => {
          finish();
          res.destroy();
        });
      },
    );
    // The client went away before the answer was complete: stop the upstream work too.
    res.once("close", () => {
      if (res.writableFinished) return;
      finish();
      up.destroy();
    });
    up.once("timeout", () => up.destroy(Object.assign(new Error("upstream timeout"), { code: "ETIMEDOUT" })));
    up.once("error", (e: NodeJS.ErrnoException) => {
      finish();
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!retried && bodiless && up.reusedSocket && e.code === "ECONNRESET") {
        this.handle(req, res, _path, true);
        return;
      }
      if (!retried && bodiless && e.code === "ECONNREFUSED") {
        // The instance is going away (a stop raced this request): another may still answer.
        this.handle(req, res, _path, true);
        return;
      }
      plainError(res, e.code === "ETIMEDOUT" ? 504 : 502, e.code === "ETIMEDOUT" ? "Gateway Timeout" : "Bad Gateway");
    });
    if (bodiless && !retried) {
      req.resume();
      up.end();
    } else if (bodiless) {
      up.end();
    } else {
      req.pipe(up);
    }
  }
}
