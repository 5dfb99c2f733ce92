import type { MetricName } from "../dataplane/types";
import type { Ctx, Route } from "../http/router";
import { ApiError, notFound } from "../render/errors";
import { timeParam } from "./params";

const UNITS: Record<MetricName, string> = {
  cpu: "cpu",
  memory: "bytes",
  "instance-count": "instances",
  "http-requests": "requests",
  "http-latency": "ms",
  bandwidth: "MB",
};

/**
 * Render's metrics endpoints, answered from the data plane's counters of real traffic. Query: `resource` or
 * `service` (a service id), `startTime`/`endTime` (default: the last hour), `resolutionSeconds` (≥ 30, default 60).
 */
function metrics(name: MetricName) {
  return (ctx: Ctx) => {
    const q = ctx.query;
    const ids = [...q.getAll("resource"), ...q.getAll("service")].flatMap((v) => v.split(",")).filter(Boolean);
    if (!ids.length) throw new ApiError(400, `missing query parameter "resource": name the service id to read metrics of`);
    const end = timeParam(q, "endTime") ?? Date.now();
    const start = timeParam(q, "startTime") ?? end - 3600_000;
    if (start >= end) throw new ApiError(400, `invalid time range: "startTime" must be before "endTime"`);
    const resRaw = q.get("resolutionSeconds");
    const resolutionSeconds = resRaw ? Number(resRaw) : 60;
    if (!Number.isFinite(resolutionSeconds) || resolutionSeconds < 30) throw new ApiError(400, `invalid value for "resolutionSeconds": must be a number ≥ 30`);
    const body = ids.map((id) => {
      if (!ctx.app.store.get("service", id)) throw notFound(id);
      const values = ctx.app.dataPlane.metrics(id, name, { startTime: new Date(start), endTime: new Date(end), resolutionSeconds });
      const labels = [{ field: "service", value: id }];
      if (name === "http-latency") labels.push({ field: "quantile", value: q.get("quantile") ?? "0.95" });
      return { labels, unit: UNITS[name], values };
    });
    return { status: 200, body };
  };
}

export function metricRoutes(): Route[] {
  return (Object.keys(UNITS) as MetricName[]).map((n) => ({ method: "GET", template: `/metrics/${n}`, handler: metrics(n) }));
}
