import { ValueType } from "@opentelemetry/api";
import { JsonMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { loadPriceTable, type PriceTable } from "../../infra/cost/prices";
import type { SimApp } from "../app";
import type { ServiceRec } from "../domain/services";
import type { MetricName } from "../dataplane/types";

/** A workspace's metrics stream as the API stores it (`PUT /metrics-stream/{ownerId}`; the token is secret). */
interface StreamRec {
  provider: string;
  url: string;
  token?: string;
}

/** Render pushes about once a minute (Render's metrics have a 30–60 s resolution); scaled by `timeScale`. */
const PUSH_EVERY_SECONDS = 60;
/** Each push covers the last interval; a push must not outlive its interval. */
const PUSH_TIMEOUT_MS = 10_000;
const GIB = 1024 ** 3;
/** sdk-metrics' DataPointType.GAUGE (the serializer reads the numeric enum). */
const GAUGE = 2;

type Point = { name: string; unit: string; description: string; values: Array<{ instance: string; value: number }> };

/**
 * The embedded Render's metrics stream: for every workspace with a metrics stream (`PUT /metrics-stream/{ownerId}`),
 * every {@link PUSH_EVERY_SECONDS} (scaled) it POSTs OTLP/HTTP JSON (Render's documented format: "All metrics use
 * OpenTelemetry JSON format", names starting with `render.`) to the stream's URL with `Authorization: Bearer
 * <token>`, built with OpenTelemetry's own serializer. Per running web service, private service and background
 * worker (Render emits none for static sites and cron jobs): `render.service.cpu.usage` (cores) and
 * `render.service.memory.usage` (bytes) per instance, and the plan's `render.service.cpu.limit` /
 * `render.service.memory.limit`, with the resource attributes `service.name`, `service.id` and per point
 * `service.instance.id` (`<service id>-<instance>`). Values come from the data plane's measurements of the real
 * processes (its per-service average is given to every instance and the busiest instance's memory to the first:
 * the data plane keeps aggregates, not per-instance series). A failed push is dropped, as a stream would.
 */
export class MetricsPusher {
  private timer: NodeJS.Timeout | undefined;
  private prices: PriceTable | undefined;
  private inFlight = new Set<Promise<unknown>>();
  /** Pushes made and failed (for tests and the admin health). */
  pushes = 0;
  failures = 0;

  constructor(private readonly app: SimApp) {}

  start(): void {
    const every = Math.max(50, this.app.scaled(PUSH_EVERY_SECONDS));
    this.timer = setInterval(() => void this.pushAll(), every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** One push to every configured stream (also called by tests). */
  async pushAll(now = Date.now()): Promise<void> {
    let streams: Array<{ id: string; data: StreamRec }>;
    let services: ServiceRec[];
    try {
      streams = this.app.store.list<StreamRec>("metricsStream");
      services = this.app.store.list<ServiceRec>("service").map((s) => s.data);
    } catch {
      return; // the store is closed: the simulator is stopping
    }
    await Promise.allSettled(
      streams.map(async ({ id: ownerId, data: stream }) => {
        const mine = services.filter((s) => s.ownerId === ownerId && !s.suspended && ["web_service", "private_service", "background_worker"].includes(s.type));
        if (!mine.length || !/^https?:\/\//.test(stream.url)) return;
        const body = JsonMetricsSerializer.serializeRequest(this.resourceMetrics(mine, now) as never);
        if (!body) return;
        const p = this.send(stream, body);
        this.inFlight.add(p);
        await p.finally(() => this.inFlight.delete(p));
      }),
    );
  }

  private async send(stream: StreamRec, body: Uint8Array): Promise<void> {
    try {
      const res = await fetch(stream.url.replace(/\/+$/, "").endsWith("/v1/metrics") ? stream.url : `${stream.url.replace(/\/+$/, "")}/v1/metrics`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(stream.token ? { authorization: `Bearer ${stream.token}` } : {}) },
        body,
        signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) this.pushes++;
      else this.failures++;
    } catch {
      this.failures++;
    }
  }

  private latest(id: string, name: MetricName, method: "AVG" | "MAX", now: number): number | undefined {
    const span = Math.max(this.app.scaled(PUSH_EVERY_SECONDS), 2_000);
    const pts = this.app.dataPlane.metrics(id, name, {
      startTime: new Date(now - span),
      endTime: new Date(now),
      resolutionSeconds: 30,
      aggregationMethod: method,
    });
    return pts.length ? pts[pts.length - 1]!.value : undefined;
  }

  private points(svc: ServiceRec, now: number): Point[] {
    const count = Math.max(0, Math.round(this.latest(svc.id, "instance-count", "AVG", now) ?? 0));
    if (!count) return [];
    const instances = Array.from({ length: count }, (_, k) => `${svc.id}-${k}`);
    const cpu = this.latest(svc.id, "cpu", "AVG", now) ?? 0;
    const memAvg = this.latest(svc.id, "memory", "AVG", now) ?? 0;
    const memMax = this.latest(svc.id, "memory", "MAX", now) ?? memAvg;
    this.prices ??= loadPriceTable();
    const plan = this.prices.services[(svc.details.plan ?? "starter") as keyof PriceTable["services"]];
    const out: Point[] = [
      { name: "render.service.cpu.usage", unit: "1", description: "CPU usage (cores)", values: instances.map((instance) => ({ instance, value: cpu })) },
      {
        name: "render.service.memory.usage",
        unit: "By",
        description: "Memory usage",
        values: instances.map((instance, k) => ({ instance, value: k === 0 ? memMax : memAvg })),
      },
    ];
    if (plan?.cpu)
      out.push({
        name: "render.service.cpu.limit",
        unit: "1",
        description: "CPU limit (cores)",
        values: instances.map((instance) => ({ instance, value: plan.cpu! })),
      });
    if (plan?.memoryGB)
      out.push({
        name: "render.service.memory.limit",
        unit: "By",
        description: "Memory limit",
        values: instances.map((instance) => ({ instance, value: plan.memoryGB! * GIB })),
      });
    return out;
  }

  /** sdk-metrics `ResourceMetrics` shapes, one per service (the serializer takes one; they are merged below). */
  private resourceMetrics(services: ServiceRec[], now: number): unknown {
    const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1e6];
    const start = hr(now - this.app.scaled(PUSH_EVERY_SECONDS));
    const end = hr(now);
    // One ResourceMetrics carries one resource; Render's service attributes go on each point so one request
    // holds every service (the receiver reads them from the resource or the point).
    return {
      resource: { attributes: { "cloud.provider": "render" }, schemaUrl: undefined },
      scopeMetrics: [
        {
          scope: { name: "render", version: "v1" },
          metrics: services.flatMap((svc) =>
            this.points(svc, now).map((p) => ({
              descriptor: { name: p.name, description: p.description, unit: p.unit, valueType: ValueType.DOUBLE, type: "OBSERVABLE_GAUGE" },
              dataPointType: GAUGE,
              aggregationTemporality: 1,
              dataPoints: p.values.map((v) => ({
                startTime: start,
                endTime: end,
                attributes: { "service.name": svc.name, "service.id": svc.id, "service.instance.id": v.instance },
                value: v.value,
              })),
            })),
          ),
        },
      ],
    };
  }
}
