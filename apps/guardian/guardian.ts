import { actionToTake } from "../../infra/alerts/actions";
import { parseDuration } from "../../infra/alerts/duration";
import { EdgeAdminClient } from "../../infra/edge-contract/client";
import { evaluate, type AlertEvent, type AlertState } from "../../infra/alerts/evaluate";
import type { AlertRule } from "../../infra/alerts/rule";
import { RenderClient } from "../../infra/render/client";
import { RenderHttp } from "../../infra/render/http";
import { redact } from "../../infra/render/redact";
import { ActionRunner, type ActionResult } from "./actions";
import { secretsOf, type GuardianConfig } from "./config";
import { Notifier } from "./notifier";
import { SeriesStore, seriesKey } from "./series";
import { AlphaStackSource } from "./sources/alphastack";
import { CertSource } from "./sources/cert";
import { EdgeSource } from "./sources/edge";
import { OtlpReceiver } from "./otlp-receiver";
import { PushedMetricsSource } from "./sources/pushed";
import { RenderSource } from "./sources/render";
import type { SignalSource } from "./sources/source";
import { VitalsSource } from "./sources/vitals";

/** A Render client that can only read: every write is refused before it is sent (the key is used read-only). */
export function readOnlyRenderClient(cfg: { apiUrl: string; apiKey: string }): RenderClient {
  return new RenderClient(
    new RenderHttp({
      config: cfg,
      timeoutMs: 10_000,
      maxAttempts: 3,
      maxRateLimitWaitMs: 15_000,
      writeGuard: async (req) => {
        throw new Error(`the guardian uses the Render API read-only: refused ${req.method} ${req.path}`);
      },
    }),
  );
}

/** One action the guardian performed (or was refused), for logs and tests. */
export interface ActionRecord {
  rule: string;
  action: string;
  at: number;
  result: ActionResult;
}

/** Options of {@link Guardian}. */
export interface GuardianOptions {
  log?: (line: string) => void;
  now?: () => number;
  /** Replaces the default sources (tests of one source). */
  sources?: SignalSource[];
}

/**
 * The guardian: on every tick, refreshes the rules from the edge when due, collects the signals the rules need,
 * evaluates each rule that is due with `infra/alerts` `evaluate()`, queues notifications (never awaited) and starts
 * the rules' actions (never awaited either: evaluation goes on while a rollback waits for the edge).
 */
export class Guardian {
  readonly store = new SeriesStore();
  readonly notifier: Notifier;
  readonly actionsTaken: ActionRecord[] = [];
  readonly events: AlertEvent[] = [];
  private rules: AlertRule[] = [];
  private revision = "";
  private rulesAt = -Infinity;
  private readonly states = new Map<string, AlertState>();
  private readonly sources: SignalSource[];
  /** Render's metrics stream pushes here (OTLP/HTTP), when configured. */
  readonly receiver: OtlpReceiver | undefined;
  private readonly runner: ActionRunner;
  private readonly rulesClient: EdgeAdminClient["alerts"];
  private readonly pending = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  readonly redact: (text: string) => string;
  /** Ticks completed, and the last tick's duration (ms). */
  ticks = 0;
  lastTickMs = 0;
  private startedAt: number | undefined;

  constructor(
    private readonly config: GuardianConfig,
    opts: GuardianOptions = {},
  ) {
    const secrets = secretsOf(config);
    this.redact = (t) => redact(t, secrets);
    const raw = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
    this.log = (l) => raw(`guardian: ${this.redact(l)}`);
    this.now = opts.now ?? Date.now;
    this.notifier = new Notifier({
      url: config.webhookUrl,
      attempts: config.webhookAttempts,
      backoffMs: config.webhookBackoffMs,
      redact: this.redact,
      log: this.log,
    });
    this.runner = new ActionRunner({ edgeUrl: config.edgeUrl, token: config.edgeAdminToken, extraProtected: config.extraProtected });
    this.rulesClient = new EdgeAdminClient({ url: config.edgeUrl, token: config.edgeAdminToken, timeoutMs: config.probeTimeoutMs, retries: 1 }).alerts;
    const render = config.render ? readOnlyRenderClient(config.render) : undefined;
    this.receiver = config.otlp ? new OtlpReceiver({ token: config.otlp.token, port: config.otlp.port, log: this.log }) : undefined;
    const t = config.probeTimeoutMs;
    this.sources = opts.sources ?? [
      new EdgeSource({ edgeUrl: config.edgeUrl, token: config.edgeAdminToken, timeoutMs: t, redact: this.redact }),
      new AlphaStackSource({ healthUrl: config.alphaStackHealthUrl, serviceId: config.alphaStackServiceId, render, timeoutMs: t, redact: this.redact }),
      new VitalsSource({ edgeUrl: config.edgeUrl, token: config.edgeAdminToken, windowMs: config.vitalsWindowMs, timeoutMs: t, redact: this.redact }),
      // With Render's metrics stream pushing to the guardian, resource signals need no Render key.
      ...(this.receiver ? [new PushedMetricsSource(this.receiver)] : []),
      new RenderSource({
        render,
        services: config.services,
        edgeServiceId: config.edgeServiceId,
        intervalMs: config.renderIntervalMs,
        redact: this.redact,
        ...(this.receiver ? { signals: ["domain.verification"] as const } : {}),
      }),
      new CertSource({ intervalMs: Math.max(config.renderIntervalMs, 5 * 60_000), timeoutMs: Math.max(t, 5_000), redact: this.redact }),
    ];
  }

  /** The rules in force (as last read from the edge). */
  currentRules(): readonly AlertRule[] {
    return this.rules;
  }

  /** The state of one rule, if it was evaluated. */
  stateOf(rule: string): AlertState | undefined {
    return this.states.get(rule);
  }

  /** Starts ticking every `GUARDIAN_INTERVAL_MS` (the first tick at once). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.log(
      `started: edge ${this.config.edgeUrl}, every ${this.config.intervalMs} ms, webhook ${this.config.webhookUrl ? "set" : "not set (log only)"}, Render API ${this.config.render ? "read-only" : "not set"}, metrics stream receiver ${this.receiver ? "on" : "off"}`,
    );
    this.receiver
      ?.start()
      .then((port) => this.log(`receiving Render's metrics stream (OTLP/HTTP) on port ${port}: POST /v1/metrics`))
      .catch((e) => this.log(`metrics stream receiver could not start: ${(e as Error).message}; resource signals will have no data`));
    const loop = async () => {
      if (!this.running) return;
      const t0 = Date.now();
      this.ticking = this.tick().catch((e) => this.log(`tick failed: ${(e as Error).message}`));
      await this.ticking;
      if (this.running) this.timer = setTimeout(loop, Math.max(0, this.config.intervalMs - (Date.now() - t0)));
    };
    void loop();
  }

  /** Stops ticking; waits for the tick in progress, then up to `flushMs` for queued notifications (the rest are abandoned). */
  async stop(flushMs = 0): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    if (flushMs > 0) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([this.idle(), new Promise((r) => (t = setTimeout(r, flushMs)))]);
      clearTimeout(t);
    }
    this.notifier.stop();
    await this.receiver?.stop();
  }

  /** Waits for actions in flight and queued notifications (tests). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
    await this.notifier.idle();
  }

  /** One evaluation round. */
  async tick(): Promise<void> {
    const started = Date.now();
    await this.refreshRules();
    const now = this.now();
    await Promise.all(
      this.sources.map(async (s) => {
        const mine = this.rules.filter((r) => s.signals.includes(r.signal));
        if (!mine.length) return;
        try {
          await s.collect(mine, this.store, now);
        } catch (e) {
          // A source is written not to throw; if one does, its series count as failed for this round.
          const msg = this.redact(`${s.name}: ${(e as Error).message}`);
          for (const r of mine) this.store.fail(seriesKey(r.signal, r.target), msg);
        }
      }),
    );
    const at = this.now();
    this.startedAt ??= at;
    for (const rule of this.rules) {
      const prev = this.states.get(rule.name);
      const input = this.store.input(seriesKey(rule.signal, rule.target));
      // Start-up grace: a series never collected yet is "not looked at yet", not "no data", until the rule's
      // noDataAfter has passed since the guardian started (else a restart would page on every noData: alerting rule).
      if (!prev && !input.samples.length && input.error === undefined && at - this.startedAt < parseDuration(rule.noDataAfter)) continue;
      // Due when an interval has passed since the last evaluation (half a tick of slack: ticks are not exact).
      if (prev?.lastEvalAt !== undefined && at - prev.lastEvalAt < parseDuration(rule.interval) - this.config.intervalMs / 2) continue;
      const ev = evaluate(rule, input, prev, at);
      this.states.set(rule.name, ev.state);
      for (const e of ev.events) {
        this.events.push(e);
        if (this.events.length > 1000) this.events.shift();
        if (e.type !== "pending") this.log(`${e.type}: ${e.message}`);
        this.notifier.notify({ kind: "alert", rule, event: e, environment: this.config.environment });
      }
      const action = actionToTake(rule, ev, this.config.extraProtected);
      if (action) this.startAction(rule, action, ev.events.find((e) => e.level === "critical")?.message ?? "critical");
    }
    this.ticks++;
    this.lastTickMs = Date.now() - started;
  }

  private startAction(rule: AlertRule, action: Parameters<ActionRunner["run"]>[1], why: string): void {
    const p = this.runner.run(rule, action, why).then((result) => {
      this.actionsTaken.push({ rule: rule.name, action: action.type, at: this.now(), result });
      this.log(`action ${action.type} for ${rule.name}: ${result.summary}`);
      this.notifier.notify({ kind: "action", rule, ok: result.ok, summary: result.summary, environment: this.config.environment });
    });
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private async refreshRules(): Promise<void> {
    const now = Date.now();
    if (now - this.rulesAt < this.config.rulesRefreshMs) return;
    this.rulesAt = now;
    try {
      const { revision, rules } = await this.rulesClient.list();
      if (revision !== this.revision) {
        this.log(`rules: ${rules.length} (revision ${revision})`);
        this.revision = revision;
        this.rules = rules;
        const names = new Set(rules.map((r) => r.name));
        for (const n of [...this.states.keys()]) if (!names.has(n)) this.states.delete(n);
        const longest = Math.max(60_000, ...rules.map((r) => Math.max(parseDuration(r.window), parseDuration(r.noDataAfter))));
        this.store.setRetention(longest + 60_000);
      }
    } catch (e) {
      // Keep evaluating the last rules read: an edge hiccup must not blind the guardian.
      this.log(`rules: could not refresh (${(e as Error).message}); keeping ${this.rules.length} rules`);
    }
  }
}
