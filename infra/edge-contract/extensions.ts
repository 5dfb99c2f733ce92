import type { IncomingMessage, ServerResponse } from "node:http";
import type { FanoutResult } from "./admin-api";
import type { EdgeState } from "./state";

/** What a change of the shared state did. */
interface EdgeUpdateResult {
  /** False when the mutation returned nothing (no change). */
  changed: boolean;
  /** The document this instance holds after the change. */
  state: EdgeState;
  /** Present when the change was pushed to peers. */
  peers?: FanoutResult;
}

/** What an extension may use of the edge: the shared state (replicated, persisted) and a logger. */
export interface EdgeContext {
  /** The current shared state; an extension keeps its own data under `state().ext[<its name>]`. */
  state(): EdgeState;
  /** Changes the shared state through the same persist-then-fan-out path as a switch. */
  update(mutate: (current: EdgeState) => EdgeState | undefined): Promise<EdgeUpdateResult>;
  /** Called after every change of the shared state on this instance (local, from a peer, or from the store). */
  onState(listener: (next: EdgeState, prev: EdgeState) => void): void;
  log(msg: string): void;
}

/**
 * A feature served by the edge beside the proxy (OFREP flags, alert rules, web-vitals beacons). The edge injects
 * its {@link EdgeContext} at `start`; the extension never imports the edge. Public paths are served without the
 * admin token (e.g. `/ofrep/v1/`); admin paths live under `/__edge/<name>/` and are only reached with a valid admin
 * token.
 */
export interface EdgeExtension {
  /** Lower-case name; also the admin path segment (`/__edge/<name>/…`). Must not be in `RESERVED_ADMIN_NAMES`. */
  readonly name: string;
  /** Path prefixes served publicly by this extension, before routing to apps. */
  readonly publicPrefixes: readonly string[];
  /** Called once the shared state is loaded, before the edge listens. */
  start?(ctx: EdgeContext): Promise<void> | void;
  stop?(): Promise<void> | void;
  /**
   * Judges a new value of this extension's section in a document pushed by a peer: returns why it is refused, or
   * undefined. Without it any value is taken (the extension must then cope with bad data).
   */
  verify?(section: unknown): string | undefined;
  /** Serves a request; `admin` is true under `/__edge/<name>/` (token already checked). */
  handle(req: IncomingMessage, res: ServerResponse, where: { admin: boolean; path: string }): Promise<void> | void;
}
