import * as http from "node:http";
import * as https from "node:https";
import type { MeasurementValue } from "../../measurement";
import type { MetricProvider } from "../../provider";

/** Options of the HTTP probe provider. */
export interface HttpProbeOptions {
  /** Full URL of the health path, e.g. `http://api-blue:10000/healthz`. */
  url: string;
  /** Per-probe timeout in milliseconds (also bounded by the caller's signal). */
  timeoutMs?: number;
  /** Extra request headers (e.g. a Host header). */
  headers?: Record<string, string>;
  /** Connection pooling; defaults to a fresh connection per probe so a dead pool never hides a dead app. */
  agent?: http.Agent | false;
}

/**
 * Probes a URL once: the status and the latency to the end of the response. A connection refused, a reset or a
 * timeout is a measured status 0 (the app did not answer), not a provider error.
 */
export function probe(opts: HttpProbeOptions, signal?: AbortSignal): Promise<MeasurementValue> {
  const timeoutMs = opts.timeoutMs ?? 2_000;
  const u = new URL(opts.url);
  const lib = u.protocol === "https:" ? https : http;
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e6;
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number, transportError?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      const l = elapsed();
      resolve({ samples: 1, status, latencyMs: { p50: l, p90: l, p95: l, p99: l, max: l }, ...(transportError ? { transportError } : {}) });
    };
    const req = lib.request(u, { method: "GET", headers: { "user-agent": "stackguard-probe", ...opts.headers }, agent: opts.agent ?? false }, (res) => {
      res.on("data", () => undefined);
      res.on("end", () => done(res.statusCode ?? 0));
      res.on("error", (e: NodeJS.ErrnoException) => done(0, e.code ?? e.message));
    });
    const timer = setTimeout(() => {
      done(0, "timeout");
      req.destroy();
    }, timeoutMs);
    const onAbort = () => {
      done(0, (signal?.reason as Error | undefined)?.name === "TimeoutError" ? "timeout" : "aborted");
      req.destroy();
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (e: NodeJS.ErrnoException) => done(0, e.code ?? e.message));
    req.end();
  });
}

/** The `http-probe` metric provider: one probe of a health path per measurement. */
export class HttpProbeProvider implements MetricProvider {
  readonly kind = "http-probe";
  constructor(private readonly opts: HttpProbeOptions) {}
  measure(signal: AbortSignal): Promise<MeasurementValue> {
    return probe(this.opts, signal);
  }
}
