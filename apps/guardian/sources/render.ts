import type { AlertRule } from "../../../infra/alerts/rule";
import type { SignalName } from "../../../infra/alerts/signals";
import { loadPriceTable, type PriceTable } from "../../../infra/cost/prices";
import { collectDomainSignals } from "../../../infra/health/domains";
import type { RenderClient } from "../../../infra/render/client";
import { seriesKey, type SeriesStore } from "../series";
import { targetsOf, type Redactor, type SignalSource } from "./source";

/** How far back each collection reads Render's metrics (the series is replaced from there on). */
const LOOKBACK_MS = 10 * 60_000;
/** Render's finest metrics resolution. */
const RESOLUTION_S = 30;
const GIB = 1024 ** 3;

/**
 * Resource usage and scaling from Render's metrics API (read-only): CPU (average across instances, % of the plan's
 * CPU), memory (the busiest instance, % of the plan's memory) and instance count, per service named by the rules'
 * targets. Service ids come from `GUARDIAN_SERVICES` or a lookup by name; plan sizes from the cost report's price
 * table (`infra/cost/render-prices.json`). Also `domain.verification`: the custom domains of the edge service
 * (`infra/health/domains` `collectDomainSignals`).
 * Collected at most every `intervalMs` (Render's metrics have a 30 s resolution and the API a rate limit).
 */
export class RenderSource implements SignalSource {
  readonly name = "render";
  readonly signals: readonly SignalName[];
  private readonly resolved = new Map<string, { id: string; cpu?: number; memoryGB?: number }>();
  private lastAt = -Infinity;
  private prices: PriceTable | undefined;

  /** `signals`: a subset to collect (resource signals come from pushed metrics when the guardian receives them). */
  constructor(
    private readonly o: {
      render?: RenderClient;
      services: Record<string, string>;
      edgeServiceId?: string;
      intervalMs: number;
      redact: Redactor;
      signals?: readonly SignalName[];
    },
  ) {
    this.signals = o.signals ?? ["resource.cpu", "resource.memory", "resource.instance_count", "domain.verification"];
  }

  async collect(rules: readonly AlertRule[], store: SeriesStore, now: number): Promise<void> {
    if (!rules.length || now - this.lastAt < this.o.intervalMs) return;
    this.lastAt = now;
    const render = this.o.render;
    if (!render) {
      for (const r of rules) store.fail(seriesKey(r.signal, r.target), "Render API not configured: set RENDER_API_KEY (read-only use) on the guardian");
      return;
    }
    const resources = rules.filter((r) => r.signal !== "domain.verification");
    const domains = rules.filter((r) => r.signal === "domain.verification");
    await Promise.all([
      ...targetsOf(resources).map((name) =>
        this.service(
          render,
          name!,
          resources.filter((r) => r.target === name),
          store,
          now,
        ),
      ),
      domains.length ? this.domains(render, domains, store) : undefined,
    ]);
  }

  private async lookup(render: RenderClient, name: string): Promise<{ id: string; cpu?: number; memoryGB?: number }> {
    const known = this.resolved.get(name);
    if (known) return known;
    const svc = this.o.services[name]
      ? await render.services.get(this.o.services[name]!)
      : (await render.services.list({ name: [name] })).find((s) => s.name === name);
    if (!svc) throw new Error(`no Render service named '${name}' (set GUARDIAN_SERVICES to map it to its id)`);
    this.prices ??= loadPriceTable();
    const plan = svc.serviceDetails.plan ? this.prices.services[svc.serviceDetails.plan as keyof PriceTable["services"]] : undefined;
    const entry = { id: svc.id, cpu: plan?.cpu, memoryGB: plan?.memoryGB };
    this.resolved.set(name, entry);
    return entry;
  }

  private async service(render: RenderClient, name: string, rules: readonly AlertRule[], store: SeriesStore, now: number): Promise<void> {
    const from = now - LOOKBACK_MS;
    const q = {
      resource: undefined as string | undefined,
      startTime: new Date(from).toISOString(),
      endTime: new Date(now).toISOString(),
      resolutionSeconds: RESOLUTION_S,
    };
    const wanted = new Set(rules.map((r) => r.signal));
    try {
      const svc = await this.lookup(render, name);
      q.resource = svc.id;
      const points = async (metric: "cpu" | "memory" | "instance-count", aggregationMethod?: "AVG" | "MAX") =>
        (await render.workspace.metrics(metric, { ...q, ...(aggregationMethod ? { aggregationMethod } : {}) }))
          .flatMap((s) => s.values)
          .map((p) => ({ t: Date.parse(p.timestamp), v: p.value }));
      if (wanted.has("resource.cpu")) {
        if (!svc.cpu) throw new Error(`the plan of '${name}' has no CPU size in the price table`);
        const pts = await points("cpu", "AVG");
        store.replaceFrom(
          seriesKey("resource.cpu", name),
          from,
          pts.map((p) => ({ t: p.t, v: (p.v / svc.cpu!) * 100 })),
        );
      }
      if (wanted.has("resource.memory")) {
        if (!svc.memoryGB) throw new Error(`the plan of '${name}' has no memory size in the price table`);
        const pts = await points("memory", "MAX");
        store.replaceFrom(
          seriesKey("resource.memory", name),
          from,
          pts.map((p) => ({ t: p.t, v: (p.v / (svc.memoryGB! * GIB)) * 100 })),
        );
      }
      if (wanted.has("resource.instance_count")) store.replaceFrom(seriesKey("resource.instance_count", name), from, await points("instance-count"));
    } catch (e) {
      const msg = this.o.redact(`render metrics of '${name}': ${(e as Error).message}`);
      for (const s of wanted) store.fail(seriesKey(s, name), msg);
    }
  }

  private async domains(render: RenderClient, rules: readonly AlertRule[], store: SeriesStore): Promise<void> {
    const fail = (msg: string) => {
      for (const r of rules) store.fail(seriesKey(r.signal, r.target), this.o.redact(`custom domains: ${msg}`));
    };
    if (!this.o.edgeServiceId) return fail("EDGE_SERVICE_ID is not set: the guardian cannot tell which service holds the domains");
    const { samples, errors } = await collectDomainSignals(render, [this.o.edgeServiceId]);
    if (errors.length) return fail(errors[0]!.error);
    for (const name of targetsOf(rules)) {
      const d = samples.find((x) => x.target === name);
      if (!d) store.fail(seriesKey("domain.verification", name), `domain '${name}' is not a custom domain of the edge service`);
      else store.add(seriesKey("domain.verification", name), d.sample);
    }
  }
}
