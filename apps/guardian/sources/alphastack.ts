import type { AlertRule } from "../../../infra/alerts/rule";
import type { SignalName } from "../../../infra/alerts/signals";
import { probe } from "../../../infra/health/providers/http-probe";
import type { RenderClient } from "../../../infra/render/client";
import { seriesKey, type SeriesStore } from "../series";
import type { Redactor, SignalSource } from "./source";

/**
 * AlphaStack discovery engine status: one read-only `GET` of its health endpoint per collection (1 = 2xx, 0 =
 * anything else, including no answer: a down engine is a measurement, not a source error). The URL is
 * `ALPHASTACK_HEALTH_URL`, else the engine service's URL and health path read (GET) from Render's API. Nothing here
 * can change AlphaStack: the probe only reads, and the Render client refuses every write.
 */
export class AlphaStackSource implements SignalSource {
  readonly name = "alphastack";
  readonly signals: readonly SignalName[] = ["alphastack.engine_status"];
  private url: string | undefined;

  constructor(private readonly o: { healthUrl?: string; serviceId: string; render?: RenderClient; timeoutMs: number; redact: Redactor }) {
    this.url = o.healthUrl;
  }

  private async healthUrl(): Promise<string> {
    if (this.url) return this.url;
    if (!this.o.render) throw new Error("no ALPHASTACK_HEALTH_URL and no Render API key to look the engine up with");
    const svc = await this.o.render.services.get(this.o.serviceId);
    const base = svc.serviceDetails.url;
    if (!base) throw new Error(`Render reports no URL for ${this.o.serviceId}: set ALPHASTACK_HEALTH_URL`);
    this.url = new URL(svc.serviceDetails.healthCheckPath || "/", base).toString();
    return this.url;
  }

  async collect(rules: readonly AlertRule[], store: SeriesStore, now: number): Promise<void> {
    const key = seriesKey("alphastack.engine_status", undefined);
    if (!rules.length) return;
    let url: string;
    try {
      url = await this.healthUrl();
    } catch (e) {
      return store.fail(key, this.o.redact(`alphastack: ${(e as Error).message}`));
    }
    const m = await probe({ url, timeoutMs: this.o.timeoutMs });
    store.add(key, { t: now, v: m.status !== undefined && m.status >= 200 && m.status < 300 ? 1 : 0, n: 1 });
  }
}
