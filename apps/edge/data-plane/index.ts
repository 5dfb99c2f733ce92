import type { EdgeConfig, Slot } from "../config";
import type { InFlight } from "../inflight";
import type { EdgeMetrics } from "../metrics";
import { Router } from "../router";
import type { DataPlane, FailingReport } from "./data-plane";
import { HaproxyDataPlane } from "./haproxy-data-plane";
import { parseRequestLine } from "./haproxy-request-log";
import { NodeDataPlane } from "./node-data-plane";

export type { DataPlane } from "./data-plane";

/** What the edge gives the data plane it builds. */
export interface DataPlaneDeps {
  activeSlot: (app: string) => Slot;
  metrics: EdgeMetrics;
  inflight: InFlight;
  onFailing: FailingReport;
  onExit: (reason: string) => void;
  log: (msg: string) => void;
}

/** The data plane `EDGE_DATA_PLANE` selects (`node` unless `haproxy`). */
export function createDataPlane(config: EdgeConfig, d: DataPlaneDeps): DataPlane {
  const passive = { enabled: config.passive.enabled && config.probe.autoRollback, consecutiveFailures: config.passive.consecutiveFailures };
  if (config.dataPlane.kind === "haproxy") {
    // Metrics series are named by route as the Node proxy names them.
    const routeNames = new Router(config.routes).routes.map((r) => r.name);
    const onRequestLine = (line: string) => {
      const r = parseRequestLine(line);
      if (r === "unrouted") d.metrics.unrouted++;
      else if (r) d.metrics.record(r.app, (r.route !== undefined ? routeNames[r.route] : undefined) ?? r.app, r.slot, r.status, r.ms);
    };
    return new HaproxyDataPlane({
      bin: config.dataPlane.bin,
      ...(config.dataPlane.setpriv ? { setpriv: config.dataPlane.setpriv } : {}),
      instanceId: config.instanceId,
      bindHost: config.host,
      bindPort: config.port,
      apps: config.apps,
      routes: config.routes,
      upstreamTimeoutMs: config.upstreamTimeoutMs,
      checkIntervalMs: config.probe.intervalMs,
      passive,
      pollIntervalMs: config.dataPlane.pollIntervalMs,
      // EDGE_PASSIVE_ROLLBACK=off (or EDGE_AUTO_ROLLBACK=off): the probes alone decide, as with the Node proxy.
      onFailing: passive.enabled ? d.onFailing : () => undefined,
      onRequestLine,
      onExit: d.onExit,
      log: d.log,
    });
  }
  return new NodeDataPlane({
    routes: config.routes,
    apps: config.apps,
    activeSlot: d.activeSlot,
    metrics: d.metrics,
    inflight: d.inflight,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    passive: config.passive,
    onFailing: d.onFailing,
  });
}
