import { freePortSync } from "./listen";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { HostRouter } from "./router";
import { ServiceRuntime, type ApplyResult, type InstanceInfo } from "./service";
import { parseFaults, parseOptions, parseSpec, type DataPlaneOptions, type ResolvedOptions } from "./spec";
import { DataPlaneStateFile } from "./state-file";
import type { FrontTarget } from "./front";
import type { DataPlaneApi, MetricName, MetricPoint, MetricSeries, MetricsQuery, ServiceFaults, ServiceRuntimeSpec } from "./types";

export type { DataPlaneOptions } from "./spec";
export type { InstanceInfo } from "./service";
/** Grace for instances when the whole data plane stops (the simulator is shutting down). */
const STOP_GRACE_MS = 3_000;

/**
 * The simulator's data plane: what answers on each service's loopback URL. See `sim/dataplane/README.md`.
 *
 * - Web and private services and static sites get a front HTTP server on a stable port (kept in
 *   `<stateDir>/dataplane.json`, reused after a restart when free).
 * - `stackguard/<app>:<tag>` images run `apps/<app>/index.ts` as child processes behind the front; other images and
 *   repos get a synthetic app.
 * - One shared router front routes custom domains (and `<slug>.onrender.com`) by Host header.
 * - Traffic, latency, bandwidth, CPU, memory and instance counts are counted per second for the metrics API.
 */
export class DataPlane implements DataPlaneApi {
  private readonly opts: ResolvedOptions;
  private readonly state: DataPlaneStateFile;
  private readonly services = new Map<string, ServiceRuntime>();
  private readonly router = new HostRouter();
  private readonly routerReady: Promise<void>;
  private readonly sampler: NodeJS.Timeout;
  private stopped?: Promise<void>;

  constructor(options: DataPlaneOptions) {
    this.opts = parseOptions(options);
    this.state = new DataPlaneStateFile(join(this.opts.stateDir, "dataplane.json"));
    // Secret files of instances a crashed simulator could not clean up: no instance of theirs survives a restart.
    rmSync(join(this.opts.stateDir, "secrets"), { recursive: true, force: true });
    this.routerReady = this.router.listen(this.opts.host, this.state.routerPort).then(
      (port) => {
        this.state.routerPort = port;
      },
      () => undefined,
    );
    this.sampler = setInterval(() => this.sampleAll(), this.opts.sampleIntervalMs);
    this.sampler.unref();
  }

  async apply(input: ServiceRuntimeSpec): Promise<{ url?: string; started: boolean; reason?: string }> {
    if (this.stopped) throw new Error("the data plane is stopped; start a new one to apply services");
    const spec = parseSpec(input);
    let rt = this.services.get(spec.id);
    if (!rt) {
      rt = new ServiceRuntime(spec, this.opts, this.state.faults(spec.id), (port) => this.state.setPort(spec.id, port), this.state.port(spec.id));
      this.services.set(spec.id, rt);
    }
    await this.routerReady;
    const result: ApplyResult = await rt.apply(spec);
    this.refreshRoutes();
    rt.sample();
    return result;
  }

  async remove(serviceId: string): Promise<void> {
    const rt = this.services.get(serviceId);
    this.services.delete(serviceId);
    this.refreshRoutes();
    await rt?.close(this.opts.shutdownGraceMs);
    this.state.forget(serviceId);
  }

  url(serviceId: string): string | undefined {
    const live = this.services.get(serviceId)?.url;
    if (live) return live;
    // After a restart, before the control plane re-applies the service: the port it will get back.
    const port = this.state.port(serviceId);
    return port ? `http://${this.opts.host}:${port}` : undefined;
  }

  reserveUrl(serviceId: string): string {
    const known = this.url(serviceId);
    if (known) return known;
    this.state.setPort(serviceId, freePortSync());
    return this.url(serviceId)!;
  }

  routerUrl(): string | undefined {
    return this.router.port ? `http://${this.opts.host}:${this.router.port}` : undefined;
  }

  metrics(serviceId: string, name: MetricName, query: MetricsQuery): MetricPoint[] {
    return this.services.get(serviceId)?.metrics.query(name, query) ?? [];
  }

  metricSeries(serviceId: string, name: MetricName, query: MetricsQuery): MetricSeries[] {
    const rt = this.services.get(serviceId);
    if (!rt) return [{ labels: [{ field: "service", value: serviceId }], values: [] }];
    return rt.metrics.series(serviceId, name, query);
  }

  getFaults(serviceId: string): ServiceFaults {
    return this.state.faults(serviceId);
  }

  setFaults(serviceId: string, faults: ServiceFaults): void {
    const parsed = parseFaults(faults);
    this.state.setFaults(serviceId, parsed);
    const rt = this.services.get(serviceId);
    if (rt) rt.faults = { ...parsed };
  }

  /** Path of a service's log file (child stdout/stderr, redacted), once it has been applied. */
  logPath(serviceId: string): string | undefined {
    return this.services.get(serviceId)?.logPath;
  }

  /** A service's running child instances (project apps only; synthetic apps have no processes). */
  instances(serviceId: string): InstanceInfo[] {
    return this.services.get(serviceId)?.instances ?? [];
  }

  /** Pids of a service's running child processes. */
  pids(serviceId: string): number[] {
    return this.instances(serviceId).map((i) => i.pid);
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      clearInterval(this.sampler);
      await this.routerReady;
      const all = [...this.services.values()];
      this.services.clear();
      await Promise.all([this.router.close(), ...all.map((rt) => rt.close(Math.min(STOP_GRACE_MS, this.opts.shutdownGraceMs)))]);
    })();
    return this.stopped;
  }

  private refreshRoutes(): void {
    const table = new Map<string, FrontTarget>();
    for (const rt of this.services.values()) {
      if (!rt.front) continue;
      table.set(`${rt.current.slug}.onrender.com`, rt);
      for (const d of rt.current.customDomains) table.set(d.toLowerCase(), rt);
    }
    this.router.setRoutes(table);
  }

  private sampleAll(): void {
    const now = Date.now();
    for (const rt of this.services.values()) rt.sample(now);
  }
}
