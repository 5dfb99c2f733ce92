import type { AlertRule } from "../../../infra/alerts/rule";
import type { SignalName } from "../../../infra/alerts/signals";
import type { OtlpReceiver, PushedPoint } from "../otlp-receiver";
import { seriesKey, type SeriesStore } from "../series";
import { targetsOf, type SignalSource } from "./source";

/**
 * `resource.cpu`, `resource.memory` and `resource.instance_count` from the metrics Render pushes to the guardian
 * (its metrics stream, OTLP/HTTP; `OtlpReceiver`), so no Render API key is needed. Per push time of a service
 * (the rule's target is the service name): CPU = mean over instances of usage / limit, memory = the busiest
 * instance's usage / limit, both in %; instance count = the instances in that push. A push without a limit gives
 * no CPU/memory sample. No push yet = no sample (the rule's `noDataAfter` decides), not an error.
 */
export class PushedMetricsSource implements SignalSource {
  readonly name = "pushed";
  readonly signals: readonly SignalName[] = ["resource.cpu", "resource.memory", "resource.instance_count"];
  /** Last push time turned into samples, per service. */
  private readonly done = new Map<string, number>();

  constructor(private readonly receiver: Pick<OtlpReceiver, "pointsFor">) {}

  async collect(rules: readonly AlertRule[], store: SeriesStore): Promise<void> {
    const wanted = new Set(rules.map((r) => r.signal));
    for (const name of targetsOf(rules)) {
      if (!name) continue;
      const since = this.done.get(name) ?? -Infinity;
      const fresh = this.receiver.pointsFor(name).filter((p) => p.t > since);
      const times = [...new Set(fresh.map((p) => p.t))].sort((a, b) => a - b);
      for (const t of times) {
        const at = fresh.filter((p) => p.t === t);
        const byInstance = (metric: PushedPoint["metric"]) => new Map(at.filter((p) => p.metric === metric).map((p) => [p.instance, p.v]));
        const cpu = byInstance("render.service.cpu.usage");
        const cpuLimit = byInstance("render.service.cpu.limit");
        const mem = byInstance("render.service.memory.usage");
        const memLimit = byInstance("render.service.memory.limit");
        const pct = (use: Map<string, number>, lim: Map<string, number>) => [...use].flatMap(([i, v]) => (lim.get(i) ? [(v / lim.get(i)!) * 100] : []));
        if (wanted.has("resource.cpu")) {
          const p = pct(cpu, cpuLimit);
          if (p.length) store.add(seriesKey("resource.cpu", name), { t, v: p.reduce((a, b) => a + b, 0) / p.length });
        }
        if (wanted.has("resource.memory")) {
          const p = pct(mem, memLimit);
          if (p.length) store.add(seriesKey("resource.memory", name), { t, v: Math.max(...p) });
        }
        if (wanted.has("resource.instance_count")) {
          const instances = new Set(at.filter((p) => p.metric.endsWith(".usage")).map((p) => p.instance));
          if (instances.size) store.add(seriesKey("resource.instance_count", name), { t, v: instances.size });
        }
      }
      if (times.length) this.done.set(name, times[times.length - 1]!);
    }
  }
}
