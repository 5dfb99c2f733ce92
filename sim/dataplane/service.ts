import { createHash, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { resolveOwnApp, type OwnApp } from "./apps";
import type { Backend } from "./backend";
import { ChildInstance } from "./child";
import { Front, type FrontTarget } from "./front";
import { freePort } from "./listen";
import { ServiceMetrics } from "./metrics";
import { ProcessBackend } from "./proxy";
import { secretValues } from "./redact";
import { instanceEnv, instanceId, writeSecretFiles } from "./render-env";
import { ServiceLog } from "./service-log";
import type { ResolvedOptions } from "./spec";
import { StaticSiteBackend } from "./static-site";
import { SyntheticBackend } from "./synthetic";
import type { ServiceFaults, ServiceRuntimeSpec } from "./types";
import { CpuRate, readProcUsage, syntheticUsage } from "./usage";

/** What `apply` reports, as `DataPlaneApi.apply` returns it. */
export interface ApplyResult {
  url?: string;
  started: boolean;
  reason?: string;
}

/** A running child instance, as `DataPlane.instances` lists it. */
export interface InstanceInfo {
  /** `RENDER_INSTANCE_ID` of the instance. */
  id: string;
  pid: number;
  /** The instance's own loopback URL (its `PORT`), bypassing the front: for tests that target one instance. */
  url: string;
}

/** One version of a service (one deploy with one configuration) and its instances. */
interface Generation {
  key: string;
  spec: ServiceRuntimeSpec;
  app?: OwnApp;
  /** `undefined` for background workers: nothing is reachable. */
  backend?: Backend;
  /** Child processes of a project app (mutated in place on scaling and restarts; the proxy reads the same array). */
  children: ChildInstance[];
  /** Synthetic instance ids (plain images). */
  synthetic: string[];
  secrets: string[];
  secretsDir?: string;
  retired: boolean;
}

/** A background worker counts as started once it survives this long (it has no health check on Render either). */
const WORKER_SETTLE_MS = 1_000;
const PROXY_TIMEOUT_MS = 300_000;
const MAX_RESTART_DELAY_MS = 30_000;

/** The fields whose change needs new instances (a deploy): everything an instance is started from. */
function configKey(spec: ServiceRuntimeSpec): string {
  const sorted = (o: Record<string, string>) =>
    Object.keys(o)
      .sort()
      .map((k) => [k, o[k]]);
  const material = JSON.stringify([
    spec.type,
    spec.deployId,
    spec.image ?? "",
    spec.commit ?? "",
    sorted(spec.env),
    sorted(spec.secretFiles),
    spec.startCommand ?? "",
  ]);
  return createHash("sha256").update(material).digest("hex");
}

function hasFront(spec: ServiceRuntimeSpec): boolean {
  return spec.type === "web_service" || spec.type === "private_service" || spec.type === "static_site";
}

/**
 * One service in the data plane: its front (a stable loopback port), its live version and that version's instances,
 * its traffic and usage counters, its faults. `apply` calls run one at a time; a newer apply with a different
 * configuration abandons a start still waiting for health, so the latest intent wins quickly.
 */
export class ServiceRuntime implements FrontTarget {
  readonly metrics: ServiceMetrics;
  faults: ServiceFaults;
  front?: Front;
  private spec: ServiceRuntimeSpec;
  private live?: Generation;
  private queue: Promise<unknown> = Promise.resolve();
  private starting?: { key: string; abort: AbortController };
  private readonly background = new Set<Promise<void>>();
  private readonly log: ServiceLog;
  private readonly cpu = new CpuRate();
  private closed = false;
  /** Aborted by `close`: starts of restarted or added instances give up at once. */
  private readonly closing = new AbortController();
  private lastSampleAt = Date.now();

  constructor(
    spec: ServiceRuntimeSpec,
    private readonly opts: ResolvedOptions,
    faults: ServiceFaults,
    private readonly persistPort: (port: number) => void,
    private readonly preferredPort: number | undefined,
  ) {
    this.spec = spec;
    this.faults = faults;
    this.metrics = new ServiceMetrics(opts.retentionSeconds);
    this.log = new ServiceLog(join(opts.stateDir, "logs"), spec.id);
  }

  get id(): string {
    return this.spec.id;
  }
  get current(): ServiceRuntimeSpec {
    return this.spec;
  }
  get suspended(): boolean {
    return this.spec.suspended;
  }
  get healthPath(): string {
    return this.spec.healthCheckPath;
  }
  get backend(): Backend | undefined {
    return this.live?.backend;
  }
  get url(): string | undefined {
    return this.front?.port ? `http://${this.opts.host}:${this.front.port}` : undefined;
  }
  /** Path of the service's log file. */
  get logPath(): string {
    return this.log.path;
  }
  /** The live version's running child processes, each with its own internal URL (project apps only). */
  get instances(): InstanceInfo[] {
    return (this.live?.children ?? []).filter((c) => c.alive && c.pid).map((c) => ({ id: c.id, pid: c.pid!, url: `http://${c.host}:${c.port}` }));
  }

  apply(spec: ServiceRuntimeSpec): Promise<ApplyResult> {
    const key = configKey(spec);
    if (this.starting && this.starting.key !== key) this.starting.abort.abort();
    const run = this.queue.then(() => this.reconcile(spec, key));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async reconcile(spec: ServiceRuntimeSpec, key: string): Promise<ApplyResult> {
    if (this.closed) return { started: false, reason: "the service was removed or the data plane stopped" };
    this.spec = spec;
    if (hasFront(spec) && !this.front) {
      const front = new Front(this);
      this.persistPort(await front.listen(this.opts.host, this.preferredPort));
      this.front = front;
    }
    const url = this.url;
    if (spec.type === "cron_job") return { url, started: true };
    if (spec.suspended) {
      // Render stops a suspended service's instances; its URL answers 503 until it is resumed.
      const old = this.live;
      this.live = undefined;
      if (old) await this.retire(old, true);
      return { url, started: true };
    }
    if (this.live && this.live.key === key) {
      this.live.spec = spec;
      const scaled = await this.scale(this.live, spec.numInstances);
      return scaled ? { url, started: false, reason: scaled } : { url, started: true };
    }
    const abort = new AbortController();
    this.starting = { key, abort };
    let gen: Generation;
    try {
      gen = await this.startGeneration(spec, key, abort.signal);
    } catch (e) {
      const reason = (e as Error).message;
      this.log.event("sim", `deploy ${spec.deployId} did not start: ${reason}`);
      return { url, started: false, reason };
    } finally {
      if (this.starting?.abort === abort) this.starting = undefined;
    }
    const old = this.live;
    this.live = gen;
    this.log.event(
      "sim",
      `deploy ${spec.deployId} is live (${gen.app ? `apps/${gen.app.name}, ${gen.children.length} instance(s)` : spec.type === "static_site" ? "static site" : "synthetic app"})`,
    );
    // Like Render: the old version stops only after the new one serves, and drains in-flight requests first.
    if (old) this.inBackground(this.retire(old, true));
    return { url, started: true };
  }

  private async startGeneration(spec: ServiceRuntimeSpec, key: string, signal: AbortSignal): Promise<Generation> {
    const app = spec.type === "static_site" ? undefined : resolveOwnApp(spec.image, this.opts.repoRoot);
    const secrets = secretValues(spec.env, spec.secretFiles);
    const gen: Generation = { key, spec, app, children: [], synthetic: [], secrets, retired: false };
    if (spec.type === "static_site") {
      gen.backend = new StaticSiteBackend(spec);
      return gen;
    }
    if (!app) {
      gen.synthetic = Array.from({ length: spec.numInstances }, () => instanceId(spec.id, spec.deployId));
      gen.backend = spec.type === "background_worker" ? undefined : this.syntheticBackend(gen);
      return gen;
    }
    gen.secretsDir = join(this.opts.stateDir, "secrets", spec.id, `${spec.deployId}-${randomBytes(3).toString("hex")}`);
    writeSecretFiles(gen.secretsDir, spec.secretFiles);
    const failure = await this.startInstances(gen, spec.numInstances, signal);
    if (failure) {
      await this.retire(gen, false);
      throw failure;
    }
    if (spec.type !== "background_worker") gen.backend = new ProcessBackend(gen.children, PROXY_TIMEOUT_MS);
    return gen;
  }

  private syntheticBackend(gen: Generation): SyntheticBackend {
    return new SyntheticBackend(gen.spec, gen.synthetic, this.opts.baseLatencyMs, this.opts.jitterMs);
  }

  /**
   * Starts `n` instances in parallel and adds those that answer to the generation (so a later stop finds them all);
   * returns the first failure, if any.
   */
  private async startInstances(gen: Generation, n: number, signal: AbortSignal): Promise<Error | undefined> {
    const results = await Promise.allSettled(Array.from({ length: n }, () => this.startInstance(gen, signal)));
    let failure: Error | undefined;
    for (const r of results) {
      if (r.status === "fulfilled") gen.children.push(r.value);
      else failure ??= r.reason as Error;
    }
    return failure;
  }

  /** Starts one child instance of the generation's app and waits until it answers (or fails). */
  private async startInstance(gen: Generation, signal?: AbortSignal): Promise<ChildInstance> {
    const port = await freePort(this.opts.host);
    const id = instanceId(gen.spec.id, gen.spec.deployId);
    const env = instanceEnv({ spec: gen.spec, port, instanceId: id, externalUrl: this.url, secretsDir: gen.secretsDir! });
    const child = new ChildInstance(
      { entry: gen.app!.entry, cwd: this.opts.repoRoot, env, instanceId: id, port, host: this.opts.host, log: this.log, secrets: gen.secrets },
      (c, reason) => this.onCrash(gen, c, reason),
    );
    try {
      if (gen.spec.type === "background_worker") await child.survives(WORKER_SETTLE_MS, signal);
      else await child.waitReady(gen.spec.type === "web_service" ? gen.spec.healthCheckPath : "", this.opts.startTimeoutMs, signal);
    } catch (e) {
      await child.kill();
      throw e;
    }
    return child;
  }

  /** Adds or removes instances of the live version; returns a reason when new instances failed to start. */
  private async scale(gen: Generation, n: number): Promise<string | undefined> {
    if (!gen.app) {
      if (gen.synthetic.length === n) return undefined;
      while (gen.synthetic.length < n) gen.synthetic.push(instanceId(gen.spec.id, gen.spec.deployId));
      gen.synthetic.length = n;
      if (gen.backend) gen.backend = this.syntheticBackend(gen);
      this.log.event("sim", `scaled to ${n} instance(s)`);
      return undefined;
    }
    // Crashed instances awaiting their restart still count: they come back on their own.
    const current = gen.children.length;
    if (current < n) {
      const failure = await this.startInstances(gen, n - current, this.closing.signal);
      if (failure) return `scaling to ${n} instances failed: ${failure.message}`;
    } else if (current > n) {
      // Dead ones go first, then the newest.
      const order = [...gen.children.filter((c) => !c.alive), ...gen.children.filter((c) => c.alive).reverse()];
      const extra = order.slice(0, current - n);
      for (const c of extra) gen.children.splice(gen.children.indexOf(c), 1);
      this.inBackground(Promise.all(extra.map((c) => c.stop(this.opts.shutdownGraceMs))).then(() => undefined));
    }
    if (current !== n) this.log.event("sim", `scaled to ${n} instance(s)`);
    return undefined;
  }

  /** Render restarts a crashed instance; so does the simulator, with a growing delay while it keeps crashing. */
  private onCrash(gen: Generation, child: ChildInstance, reason: string): void {
    if (gen.retired || this.closed || this.live !== gen) return;
    const i = gen.children.indexOf(child);
    if (i < 0) return;
    const attempt = child.restarts + 1;
    const delay = Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** (attempt - 1));
    this.log.event(child.id, `${reason}; restarting in ${delay} ms`);
    const timer = setTimeout(() => {
      // Retired, stopped, or scaled in meanwhile: nothing to restart.
      if (gen.retired || this.closed || !gen.children.includes(child)) return;
      const restart = this.startInstance(gen, this.closing.signal).then(
        (fresh) => {
          if (gen.retired || this.closed) return void fresh.kill();
          const at = gen.children.indexOf(child);
          if (at >= 0) gen.children[at] = fresh;
          else void fresh.stop(this.opts.shutdownGraceMs);
        },
        (e) => {
          child.restarts = attempt;
          this.log.event(child.id, `restart failed: ${(e as Error).message}`, gen.secrets);
          this.onCrash(gen, child, "restart failed");
        },
      );
      this.inBackground(restart);
    }, delay);
    timer.unref();
  }

  /** Stops a version's instances (gracefully, or at once) and removes its secret files. */
  private async retire(gen: Generation, graceful: boolean): Promise<void> {
    gen.retired = true;
    const children = gen.children.slice();
    await Promise.all(children.map((c) => (graceful ? c.stop(this.opts.shutdownGraceMs) : c.kill())));
    if (gen.secretsDir) rmSync(gen.secretsDir, { recursive: true, force: true });
  }

  private inBackground(p: Promise<void>): void {
    const tracked = p.catch(() => undefined).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /** Records one CPU/memory/instance-count sample. */
  sample(now = Date.now()): void {
    const gen = this.live;
    const windowSec = Math.max(1, Math.round((now - this.lastSampleAt) / 1000));
    this.lastSampleAt = now;
    if (!gen || this.spec.suspended) {
      this.metrics.sample({ cpu: [], memory: [], instances: 0 }, now);
      return;
    }
    if (gen.app) {
      const cpu: number[] = [];
      const memory: number[] = [];
      for (const c of gen.children) {
        const u = c.alive && c.pid ? readProcUsage(c.pid) : undefined;
        if (!u) continue;
        cpu.push(this.cpu.cores(c.pid!, u.cpuSeconds, now));
        memory.push(u.rssBytes);
      }
      this.metrics.sample({ cpu, memory, instances: cpu.length }, now);
      return;
    }
    const n = gen.spec.type === "static_site" ? 1 : gen.synthetic.length;
    const rps = n ? this.metrics.recentRequests(windowSec, now) / windowSec / n : 0;
    const u = syntheticUsage(rps);
    this.metrics.sample({ cpu: Array(n).fill(u.cpu), memory: Array(n).fill(u.memory), instances: n }, now);
  }

  /**
   * Stops everything: a start in progress is abandoned, instances get SIGTERM (SIGKILL after `graceMs`), the front
   * closes. `remove` (the service was deleted) and the data plane's `stop` both end here.
   */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    this.closing.abort();
    this.starting?.abort.abort();
    await this.queue;
    const gen = this.live;
    this.live = undefined;
    if (gen) {
      gen.retired = true;
      await Promise.all(gen.children.map((c) => c.stop(graceMs)));
      if (gen.secretsDir) rmSync(gen.secretsDir, { recursive: true, force: true });
    }
    await Promise.all(this.background);
    await this.front?.close();
    this.front = undefined;
    this.log.event("sim", "stopped");
    await this.log.close();
  }
}
