import type { MetricName, MetricSeries, MetricsQuery } from "../dataplane/types";
import type { Ctx, Route } from "../http/router";
import { ApiError, notFound } from "../render/errors";
import { enumListParam, listParam, timeParam } from "./params";

const UNITS: Record<MetricName, string> = {
  cpu: "cpu",
  memory: "bytes",
  "instance-count": "instances",
  "http-requests": "requests",
  "http-latency": "ms",
  bandwidth: "MB",
};

function numberParam(q: URLSearchParams, name: string, check: (n: number) => boolean, rule: string): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw new ApiError(400, `invalid value for query parameter "${name}": ${rule}`);
  return n;
}

/**
 * Render's metrics endpoints, answered from the data plane's counters of real traffic. Query: `resource` or
 * `service` (service ids), `startTime`/`endTime` (default: the last hour), `resolutionSeconds` (≥ 30, default 60),
 * `quantile` (latency), `aggregationMethod` (cpu/memory), `statusCode` and `aggregateBy=statusCode` (requests).
 */
function metrics(name: MetricName) {
  return (ctx: Ctx) => {
    const q = ctx.query;
    const ids = [...listParam(q, "resource"), ...listParam(q, "service")];
    if (!ids.length) throw new ApiError(400, `missing query parameter "resource": name the service id to read metrics of`);
    const end = timeParam(q, "endTime") ?? Date.now();
    const start = timeParam(q, "startTime") ?? end - 3600_000;
    if (start >= end) throw new ApiError(400, `invalid time range: "startTime" must be before "endTime"`);
    const query: MetricsQuery = {
      startTime: new Date(start),
      endTime: new Date(end),
      resolutionSeconds: numberParam(q, "resolutionSeconds", (n) => n >= 30, "must be a number of at least 30") ?? 60,
      quantile: numberParam(q, "quantile", (n) => n > 0 && n < 1, "must be between 0 and 1 (exclusive)"),
      aggregationMethod: enumListParam(q, "aggregationMethod", ["AVG", "MAX", "MIN"])[0] as MetricsQuery["aggregationMethod"],
      statusCodes: listParam(q, "statusCode").map((c) => {
        if (!/^\d{3}$/.test(c)) throw new ApiError(400, `invalid value for query parameter "statusCode": ${JSON.stringify(c)} is not an HTTP status code`);
        return Number(c);
      }),
      aggregateBy: enumListParam(q, "aggregateBy", ["statusCode", "host"])[0] === "statusCode" ? "statusCode" : undefined,
    };
    const unit = UNITS[name];
    const body = ids.flatMap((id) => {
      if (!ctx.app.store.get("service", id)) throw notFound(id);
      const dp = ctx.app.dataPlane;
      const series: MetricSeries[] = dp.metricSeries
        ? dp.metricSeries(id, name, query)
        : [{ labels: [{ field: "service", value: id }], values: dp.metrics(id, name, query) }];
      // The spec requires the unit on the series and on every value.
      return series.map((s) => ({ labels: s.labels, unit, values: s.values.map((v) => ({ timestamp: v.timestamp, unit, value: v.value })) }));
    });
    return { status: 200, body };
  };
}

export function metricRoutes(): Route[] {
  return (Object.keys(UNITS) as MetricName[]).map((n) => ({ method: "GET", template: `/metrics/${n}`, handler: metrics(n) }));
}
