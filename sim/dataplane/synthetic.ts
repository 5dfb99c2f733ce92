import type { IncomingMessage, ServerResponse } from "node:http";
import { imageTag } from "./apps";
import type { Backend } from "./backend";
import { ordersEndpointFor, type OrdersEndpoint } from "./synthetic-orders";
import type { ServiceRuntimeSpec } from "./types";

/** The version string of a deploy: the image tag, else the short commit, else the deploy id. */
export function versionOf(spec: Pick<ServiceRuntimeSpec, "image" | "commit" | "deployId">): string {
  if (spec.image) return imageTag(spec.image);
  if (spec.commit) return spec.commit.slice(0, 7);
  return spec.deployId;
}

interface Prepared {
  body: Buffer;
  headers: Record<string, string | number>;
}

function json(value: unknown, instance?: string): Prepared {
  const body = Buffer.from(JSON.stringify(value));
  const headers: Record<string, string | number> = { "Content-Type": "application/json; charset=utf-8", "Content-Length": body.length };
  if (instance) headers["x-sim-instance"] = instance;
  return { body, headers };
}

function send(res: ServerResponse, p: Prepared, head: boolean): void {
  res.writeHead(200, p.headers);
  res.end(head ? undefined : p.body);
}

/**
 * A stand-in for an app that is not one of ours: its health path answers `{"status":"ok"}`, `GET /version` tells
 * the deploy, and every other path answers a small JSON body, each after the app's own latency (a base plus uniform
 * jitter); with a database in its env, `/orders` reads and writes a table (`synthetic-orders.ts`). Bodies and headers
 * are prepared once per deploy and instance so the hot path allocates little.
 */
export class SyntheticBackend implements Backend {
  private readonly health: Prepared[];
  private readonly version: Prepared[];
  private readonly other: Prepared[];
  /** `/orders` backed by the service's database, when its env asks for it (`synthetic-orders.ts`). */
  private readonly orders?: OrdersEndpoint;
  private next = 0;

  constructor(
    private readonly spec: ServiceRuntimeSpec,
    private readonly instances: string[],
    private readonly baseLatencyMs: number,
    private readonly jitterMs: number,
  ) {
    const v = { version: versionOf(spec), image: spec.image ?? null, commit: spec.commit ?? null, deployId: spec.deployId, serviceId: spec.id };
    this.health = instances.map((i) => json({ status: "ok" }, i));
    this.version = instances.map((i) => json(v, i));
    this.other = instances.map((i) => json({ ok: true, service: spec.name, deployId: spec.deployId }, i));
    this.orders = ordersEndpointFor(spec.env, v.version);
  }

  get instanceCount(): number {
    return this.instances.length;
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    const n = this.instances.length;
    if (n === 0) {
      req.resume();
      res.writeHead(502, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": 12 });
      res.end("Bad Gateway\n");
      return;
    }
    const i = this.next++ % n;
    if (this.orders && path === "/orders") return this.orders.handle(req, res, this.instances[i]);
    req.resume();
    const p = path === this.spec.healthCheckPath && path !== "" ? this.health[i] : path === "/version" ? this.version[i] : this.other[i];
    const delay = this.baseLatencyMs + Math.random() * this.jitterMs;
    setTimeout(send, delay, res, p, req.method === "HEAD");
  }
}
