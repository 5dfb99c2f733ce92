import type * as http from "node:http";
import type { Slot } from "../config";

/** Which data plane carries an edge's proxied traffic (`EDGE_DATA_PLANE`). */
type DataPlaneKind = "node" | "haproxy";

/** What the edge's control plane tells a data plane when it starts. */
export interface DataPlaneStart {
  /** The loopback port the edge's Node server (admin API, extensions) listens on. */
  controlPort: number;
  /** The routing map at start: app → active slot. */
  active: Record<string, Slot>;
  /** Public path prefixes the Node process serves itself besides `/__edge/` (extensions: OFREP, vitals). */
  controlPrefixes: string[];
}

/**
 * The part of the edge that carries proxied requests to the apps' slots. The edge's Node process is always the
 * control plane (state, switches, probes, the rollback rule, the admin API); the data plane only routes, drains and
 * reports failing slots. Two implementations: the Node proxy in the edge's own process (`node`), and HAProxy driven
 * over its runtime API (`haproxy`). See docs/decisions/edge-data-plane.md.
 */
export interface DataPlane {
  readonly kind: DataPlaneKind;
  /**
   * Whether the Node server itself takes the public port (`node`); otherwise it listens on a loopback port and the
   * data plane takes the public port, forwarding the control plane's paths to it.
   */
  readonly servesPublicPort: boolean;
  /** Starts carrying traffic; resolves with the public base URL when the data plane listens itself. */
  start(s: DataPlaneStart): Promise<string | undefined>;
  /**
   * A request that reached the Node server and is not the control plane's (the `node` data plane proxies it; the
   * `haproxy` one never sends such requests to Node).
   */
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
  /**
   * The routing map changed (a switch, a rollback, a peer's push): new requests go to the new slots; requests in
   * flight finish where they are. Never throws; the returned promise settles once the data plane applied it.
   */
  setActive(active: Record<string, Slot>): Promise<void>;
  /** Resolves true once no request of `app` is in flight to `slot` (after any pending `setActive`), false after `timeoutMs`. */
  drained(app: string, slot: Slot, timeoutMs: number): Promise<boolean>;
  /** Requests in flight to one slot, as last known. */
  inFlight(app: string, slot: Slot): number;
  /** Requests in flight in all, as last known. */
  inFlightTotal(): number;
  /** Stops accepting new requests and lets those in flight finish, for up to `graceMs`, then closes everything. */
  stop(graceMs: number): Promise<void>;
}

/** A data plane's report that a slot fails on real traffic (the passive source of the rollback rule). */
export type FailingReport = (app: string, slot: Slot, reason: string) => void;
