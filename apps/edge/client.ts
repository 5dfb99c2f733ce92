import type { Slot } from "./config";
import type { SwitchResult } from "./edge";
import type { EdgeEvent, EdgeState, Verdict } from "./state";
import type { EdgeMetricsSnapshot } from "../../infra/health/providers/edge-metrics/wire";

/** An admin call the edge refused or could not complete. `status` 0 = no answer. Never carries the token. */
export class EdgeAdminError extends Error {
  constructor(readonly status: number, message: string, readonly body?: unknown) {
    super(message);
    this.name = "EdgeAdminError";
  }
}

/** Per-slot view in `GET /__edge/state`. */
export interface EdgeSlotView {
  url: string;
  /** The edge's sliding-window health analysis of the slot. */
  health: "Successful" | "Failed" | "Inconclusive" | "Running" | "Error";
  healthReason: string;
  lastStatus?: number;
  lastLatencyMs?: number;
  inFlight: number;
  verdict?: Verdict;
}

/** `GET /__edge/state`. */
export interface EdgeStateView {
  instance: string;
  version: number;
  updatedAt: string;
  by: string;
  active: Record<string, Slot>;
  apps: Record<string, { active: Slot; healthPath: string; slots: Record<Slot, EdgeSlotView> }>;
  store: string;
  peers: string;
}

/** Options of the admin client. */
export interface EdgeAdminClientOptions {
  /** The edge's base URL. */
  url: string;
  /** The admin token (secret). */
  token: string;
  /** Per-call timeout; a switch waits for peers and draining, so give it a few seconds. Default 15 s. */
  timeoutMs?: number;
  /** Attempts for transport errors and 5xx (every admin call is idempotent). Default 3. */
  attempts?: number;
}

/**
 * A typed client for the edge's admin API (used by the TrafficSwitch resource, the rollback command and the
 * guardian). Every call has a timeout; calls are idempotent and retried on transport errors and 502/503/504.
 */
export class EdgeAdminClient {
  constructor(private readonly o: EdgeAdminClientOptions) {}

  private async call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const attempts = this.o.attempts ?? 3;
    let last: EdgeAdminError | undefined;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 250 * 2 ** (i - 1)));
      let res: Response;
      try {
        res = await fetch(new URL(path, this.o.url), {
          method,
          headers: { authorization: `Bearer ${this.o.token}`, accept: "application/json", ...(body ? { "content-type": "application/json" } : {}) },
          body: body ? JSON.stringify(body) : undefined,
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 15_000),
        });
      } catch (e) {
        const why = (e as Error).name === "TimeoutError" ? `timed out after ${this.o.timeoutMs ?? 15_000} ms` : String((e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message);
        last = new EdgeAdminError(0, `edge admin ${method} ${path}: no answer from ${this.o.url} (${why})`);
        continue;
      }
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Prometheus text or a proxy's HTML error page: keep the text.
      }
      if (res.ok) return parsed as T;
      const msg = typeof parsed === "object" && parsed && "error" in parsed ? String((parsed as { error: unknown }).error) : text.slice(0, 200);
      last = new EdgeAdminError(res.status, `edge admin ${method} ${path}: HTTP ${res.status}: ${msg}`, parsed);
      if (![502, 503, 504].includes(res.status)) throw last;
    }
    throw last!;
  }

  /** The active slots, each slot's health and verdict, and the state version. */
  getState(): Promise<EdgeStateView> {
    return this.call("GET", "/__edge/state");
  }

  /** The raw shared state document (with events and verdicts). */
  getDocument(): Promise<EdgeState> {
    return this.call("GET", "/__edge/internal/state");
  }

  /**
   * Switches `app` to `slot` on every edge instance. Throws `EdgeAdminError` 409 when the slot is unhealthy or
   * failed its last analysis (unless `force`), 404 for an unknown app or slot, 401 for a wrong token.
   * Check `synced` in the answer: false means some instance did not confirm yet (it converges within the poll).
   */
  switch(args: { app: string; slot: Slot; force?: boolean; reason?: string; actor?: string }): Promise<SwitchResult> {
    return this.call("POST", "/__edge/switch", args);
  }

  /** Records an analysis verdict on a slot; a Failed verdict blocks switching to it until a newer verdict. */
  reportAnalysis(args: { app: string; slot: Slot; phase: Verdict["phase"]; reason: string; actor?: string }): Promise<{ version: number; verdict: Verdict; synced: boolean }> {
    return this.call("POST", "/__edge/analysis", args);
  }

  /** Switches, auto-rollbacks and verdicts (the last 50). */
  async events(): Promise<EdgeEvent[]> {
    return (await this.call<{ events: EdgeEvent[] }>("GET", "/__edge/events")).events;
  }

  /** The metrics snapshot of the instance that answered. */
  metrics(): Promise<EdgeMetricsSnapshot & { active: Record<string, Slot>; stateVersion: number; events: EdgeEvent[] }> {
    return this.call("GET", "/__edge/metrics?format=json");
  }
}
