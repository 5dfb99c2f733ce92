import autocannon from "autocannon";
import { percentile, r2 } from "./stats";

/** Figures of one load run. Latencies are exact (autocannon's own histogram rounds to whole milliseconds). */
export interface LoadResult {
  requests: number;
  non2xx: number;
  /** Transport errors plus timeouts. */
  errors: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Runs autocannon against `url` for `durationS` with `connections`, at `rate` requests per second overall (or as
 * fast as possible when omitted), recording every response time from autocannon's `response` event.
 */
export async function runLoad(url: string, o: { durationS: number; connections: number; rate?: number }): Promise<LoadResult> {
  const times: number[] = [];
  // Without a callback autocannon returns its instance (an EventEmitter) that is also a promise of the result.
  const instance = autocannon({
    url,
    connections: o.connections,
    duration: o.durationS,
    pipelining: 1,
    ...(o.rate ? { overallRate: o.rate } : {}),
  }) as unknown as autocannon.Instance & Promise<autocannon.Result>;
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => times.push(responseTime));
  const res = await instance;
  return {
    requests: res.requests.total,
    non2xx: res.non2xx,
    errors: res.errors + res.timeouts,
    rps: Math.round(res.requests.total / o.durationS),
    p50Ms: r2(percentile(times, 50)),
    p99Ms: r2(percentile(times, 99)),
  };
}
