import type { PromotionAnalysis } from "../config/schema";
import { HttpProbeProvider, measureOnce, parseMetric, runAnalysis, type Metric, type RunResult } from "../health";
import { bakeWindowCount } from "./bake-windows";

/**
 * A service a promotion must not harm although it does not deploy it (AlphaStack's engine): its read-only health
 * URL is watched before the switch and during the bake. A degradation beyond what was recorded before the switch
 * fails the bake, and traffic goes back, even when the promoted app itself looks healthy (a new version that
 * overloads a dependency both share).
 */
export interface ProtectedService {
  /** Named in every message, e.g. `AlphaStack engine`. */
  name: string;
  /** Its health URL (a GET that only reads). */
  url: string;
}

/** What a protected service looked like before the switch. */
export interface GuardBaseline {
  service: ProtectedService;
  probes: number;
  /** Probes that answered 2xx. */
  ok: number;
  /** Slowest 2xx probe, in ms. */
  maxLatencyMs: number;
  /** The bound the bake holds it to: the slower of {@link LATENCY_FACTOR}× the baseline and baseline + {@link LATENCY_MARGIN_MS}. */
  latencyLimitMs: number;
}

/**
 * Tolerances. A health endpoint's latency is noisy (GC, a busy host): 5× its slowest baseline probe, and never less
 * than 500 ms above it, keeps a noisy neighbour from failing promotions while a real overload (seconds, timeouts,
 * 5xx) is caught. A single bad probe is tolerated; the second fails the bake.
 */
const LATENCY_FACTOR = 5;
const LATENCY_MARGIN_MS = 500;
const GUARD_FAILURE_LIMIT = 1;

/**
 * Probes each protected service as the pre-switch analysis probes the idle slot (same count, interval and timeout).
 * A service that is not healthy now (more than {@link GUARD_FAILURE_LIMIT} probe failed) refuses the switch: a
 * promotion started while AlphaStack is degraded could not be told apart from harm it causes, so traffic stays.
 */
export async function recordBaselines(services: readonly ProtectedService[], a: PromotionAnalysis, signal?: AbortSignal): Promise<GuardBaseline[]> {
  return Promise.all(
    services.map(async (service) => {
      const provider = new HttpProbeProvider({ url: service.url, timeoutMs: a.preSwitch.timeoutMs });
      let ok = 0,
        maxLatencyMs = 0;
      for (let i = 0; i < a.preSwitch.probes; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, a.preSwitch.intervalMs));
        const m = await measureOnce(provider, a.preSwitch.timeoutMs, signal);
        const status = m.value?.status ?? 0;
        if (status >= 200 && status < 300) {
          ok++;
          maxLatencyMs = Math.max(maxLatencyMs, m.value?.latencyMs?.max ?? 0);
        }
      }
      const latencyLimitMs = Math.ceil(Math.max(maxLatencyMs * LATENCY_FACTOR, maxLatencyMs + LATENCY_MARGIN_MS));
      return { service, probes: a.preSwitch.probes, ok, maxLatencyMs, latencyLimitMs };
    }),
  );
}

/** Why the baselines refuse a switch, or undefined when every protected service is healthy. */
export function unhealthyBaseline(baselines: readonly GuardBaseline[]): string | undefined {
  const bad = baselines.filter((b) => b.ok < Math.max(1, b.probes - GUARD_FAILURE_LIMIT));
  if (!bad.length) return undefined;
  return bad.map((b) => `${b.service.name} is not healthy before the switch (${b.ok}/${b.probes} probes of ${b.service.url} answered 2xx)`).join("; ");
}

const guardIntervalMs = (a: PromotionAnalysis) => Math.min(a.postSwitch.intervalMs, a.preSwitch.intervalMs);

/**
 * A probe's timeout: long enough to measure a slow answer as slow (a failed measurement), and within what an
 * analysis allows (10 × the interval, so a hung probe cannot stall the bake). A probe that times out failed too.
 */
const guardTimeoutMs = (b: GuardBaseline, a: PromotionAnalysis) =>
  Math.min(Math.max(a.preSwitch.timeoutMs, b.latencyLimitMs * 2), Math.max(guardIntervalMs(a), 1_000) * 10);

/** The bake's metric for one protected service: its health path keeps answering 2xx within its recorded bound. */
export function guardMetric(b: GuardBaseline, a: PromotionAnalysis): Metric {
  const intervalMs = guardIntervalMs(a);
  return parseMetric(
    {
      name: `${b.service.name} guard`,
      intervalMs,
      count: bakeWindowCount(a, intervalMs),
      timeoutMs: guardTimeoutMs(b, a),
      successCondition: { status: ["2xx"], latencyMs: { max: { lt: b.latencyLimitMs } } },
      failureLimit: GUARD_FAILURE_LIMIT,
      consecutiveErrorLimit: 2,
    },
    "analysis.postSwitch",
  );
}

/** Runs the guard of one protected service for the bake; the reason names the service and its baseline. */
export async function runGuard(b: GuardBaseline, a: PromotionAnalysis, signal: AbortSignal): Promise<RunResult> {
  const r = await runAnalysis({ metric: guardMetric(b, a), provider: new HttpProbeProvider({ url: b.service.url, timeoutMs: guardTimeoutMs(b, a) }), signal });
  const baseline = `before the switch: ${b.ok}/${b.probes} probes 2xx, slowest ${Math.round(b.maxLatencyMs)} ms; limit ${b.latencyLimitMs} ms`;
  const reason =
    r.phase === "Failed" || r.phase === "Error"
      ? `${b.service.name} degraded during the bake (${b.service.url}): ${r.reason} (${baseline})`
      : `${b.service.name} held its baseline: ${r.reason} (${baseline})`;
  return { ...r, reason };
}
