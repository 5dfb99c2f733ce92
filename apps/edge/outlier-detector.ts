import type { Slot } from "./config";

/**
 * The running count of one slot of one app: consecutive failed proxied requests. One per upstream, made once at
 * start and held by the proxy next to the upstream's agent, so the hot path only writes a number (no lookup, no
 * allocation).
 */
export class OutlierTrack {
  /** Failed proxied requests in a row on this slot (any success resets it). */
  consecutive = 0;
  constructor(
    readonly app: string,
    readonly slot: Slot,
  ) {}
}

/** Options of the passive outlier detector. */
export interface OutlierDetectorOptions {
  /** Off: failures are not counted and nothing is reported (`EDGE_PASSIVE_ROLLBACK=off`). */
  enabled: boolean;
  /** Failed proxied requests in a row after which a slot is reported failing (`EDGE_PASSIVE_CONSECUTIVE_FAILURES`). */
  consecutiveFailures: number;
  /**
   * Called (synchronously, from the proxy) when a slot reaches the threshold. It decides whether to roll back
   * (only if the slot is still active and the warm slot is known healthy) and must not throw.
   */
  onOutlier: (app: string, slot: Slot, reason: string) => void;
}

/**
 * Passive health checking on real traffic, like Envoy's outlier detection (`consecutive_5xx`) or HAProxy's
 * `observe layer7`: the proxy reports each proxied request's outcome, and `consecutiveFailures` failures in a row on
 * a slot (a 5xx answer, a reset or refused connection, an upstream timeout) report the slot as failing at once,
 * without waiting for the next health probe. The count restarts after each report, so a slot that keeps failing
 * while no rollback is possible is re-reported every `consecutiveFailures` failures (the receiver logs once).
 */
export class OutlierDetector {
  private readonly threshold: number;

  constructor(private readonly o: OutlierDetectorOptions) {
    this.threshold = o.enabled ? o.consecutiveFailures : Number.POSITIVE_INFINITY;
  }

  /** The count for one slot of one app (call once per upstream, at start). */
  track(app: string, slot: Slot): OutlierTrack {
    return new OutlierTrack(app, slot);
  }

  /** A proxied request on `t`'s slot was answered below 500. */
  success(t: OutlierTrack): void {
    t.consecutive = 0;
  }

  /**
   * A proxied request on `t`'s slot failed: `status` is the upstream's 5xx status, or 0 when there was no answer
   * (then `code` is the transport error code, e.g. ECONNRESET or ETIMEDOUT).
   */
  failure(t: OutlierTrack, status: number, code?: string): void {
    if (++t.consecutive < this.threshold) return;
    const n = t.consecutive;
    t.consecutive = 0;
    const last = status ? `HTTP ${status}` : code === "ETIMEDOUT" ? "upstream timeout" : `no answer (${code ?? "connection error"})`;
    this.o.onOutlier(t.app, t.slot, `${n} consecutive failed requests (last: ${last})`);
  }
}
