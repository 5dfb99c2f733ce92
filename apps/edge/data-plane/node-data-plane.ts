import type * as http from "node:http";
import type { AppUpstreams, Route, Slot } from "../config";
import type { InFlight } from "../inflight";
import type { EdgeMetrics } from "../metrics";
import { OutlierDetector } from "../outlier-detector";
import { Proxy } from "../proxy";
import { Router } from "../router";
import type { DataPlane, FailingReport } from "./data-plane";

/** What the Node data plane needs from the edge. */
export interface NodeDataPlaneOptions {
  routes: Route[];
  apps: Record<string, AppUpstreams>;
  /** The edge's routing map, read on every request (a switch takes effect for the next request). */
  activeSlot: (app: string) => Slot;
  metrics: EdgeMetrics;
  inflight: InFlight;
  upstreamTimeoutMs: number;
  passive: { enabled: boolean; consecutiveFailures: number };
  onFailing: FailingReport;
}

/**
 * The data plane in the edge's own process: the undici proxy of `proxy.ts`, wrapped. The edge's Node server takes
 * the public port and hands every request that is not the control plane's to the proxy; the proxy reads the routing
 * map on each request, so `setActive` has nothing to do, and drains wait on its in-flight counters.
 */
export class NodeDataPlane implements DataPlane {
  readonly kind = "node" as const;
  readonly servesPublicPort = true;
  private readonly proxy: Proxy;

  constructor(private readonly o: NodeDataPlaneOptions) {
    this.proxy = new Proxy({
      router: new Router(o.routes),
      apps: o.apps,
      activeSlot: o.activeSlot,
      metrics: o.metrics,
      inflight: o.inflight,
      upstreamTimeoutMs: o.upstreamTimeoutMs,
      outliers: new OutlierDetector({ ...o.passive, onOutlier: o.onFailing }),
    });
  }

  async start(): Promise<undefined> {
    return undefined;
  }

  handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.proxy.handle(req, res);
  }

  setActive(): Promise<void> {
    return Promise.resolve();
  }

  drained(app: string, slot: Slot, timeoutMs: number): Promise<boolean> {
    return this.o.inflight.drained(app, slot, timeoutMs);
  }

  inFlight(app: string, slot: Slot): number {
    return this.o.inflight.count(app, slot);
  }

  inFlightTotal(): number {
    return this.o.inflight.total();
  }

  /** The edge's server already waited for requests in flight; this closes the upstream pools. */
  async stop(): Promise<void> {
    this.proxy.destroy();
  }
}
