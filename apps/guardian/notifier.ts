import type { AlertEvent } from "../../infra/alerts/evaluate";
import type { AlertRule } from "../../infra/alerts/rule";

/** A Slack-compatible incoming-webhook body: `text` (fallback and notifications) plus Block Kit `blocks`. */
export interface WebhookMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
}

/** What the guardian tells people about. `pending` is not notified (it may clear before `for`). */
export type Notice =
  | { kind: "alert"; rule: AlertRule; event: AlertEvent; environment: string }
  | { kind: "action"; rule: AlertRule; summary: string; ok: boolean; environment: string };

/** Options of {@link Notifier}. */
export interface NotifierOptions {
  /** The webhook (a secret: never logged). Absent: messages are only logged. */
  url?: string;
  /** Attempts per message (default 6). */
  attempts?: number;
  /** First retry delay; doubles per attempt with ±20 % jitter, capped at 30 s (default 1 s). */
  backoffMs?: number;
  /** Per-attempt timeout (default 5 s). */
  timeoutMs?: number;
  /** Messages waiting beyond this are dropped oldest first, with a log line (default 500). */
  maxQueue?: number;
  /** Applied to every string of every message before it leaves the process. */
  redact: (text: string) => string;
  log: (line: string) => void;
}

const ICON: Record<string, string> = { firing: ":rotating_light:", "level-changed": ":warning:", resolved: ":white_check_mark:", nodata: ":grey_question:" };

/** The Slack message for a notice (pure; redaction is applied by the notifier). */
function formatNotice(n: Notice): WebhookMessage {
  const r = n.rule;
  const where = `${r.signal}${r.target ? ` on ${r.target}` : ""}`;
  if (n.kind === "action") {
    const text = `${n.ok ? ":robot_face:" : ":x:"} [${n.environment}] ${r.name}: ${n.summary}`;
    return { text, blocks: [{ type: "section", text: { type: "mrkdwn", text } }] };
  }
  const e = n.event;
  const state = e.type === "level-changed" ? `FIRING ${e.level}` : e.type === "firing" ? `FIRING ${e.level}` : e.type.toUpperCase();
  const text = `${ICON[e.type] ?? ""} [${n.environment}] [${state}] ${r.name} (${r.severity}): ${e.message}`.trim();
  const fields = [`*Signal*\n${where}`, `*Value*\n${e.value ?? "n/a"}`, `*Severity*\n${r.severity}`, `*Since*\n${new Date(e.at).toISOString()}`];
  return {
    text,
    blocks: [
      { type: "header", text: { type: "plain_text", text: `[${state}] ${r.name}`.slice(0, 150) } },
      {
        type: "section",
        text: { type: "mrkdwn", text: `${e.message}${r.summary ? `\n${r.summary}` : ""}` },
        fields: fields.map((f) => ({ type: "mrkdwn", text: f })),
      },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: `<${r.runbookUrl}|runbook> · ${n.environment}${Object.entries(r.labels)
              .map(([k, v]) => ` · ${k}=${v}`)
              .join("")}`,
          },
        ],
      },
    ],
  };
}

function deepRedact<T>(v: T, redact: (s: string) => string): T {
  if (typeof v === "string") return redact(v) as T;
  if (Array.isArray(v)) return v.map((x) => deepRedact(x, redact)) as T;
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepRedact(x, redact)])) as T;
  return v;
}

/**
 * Sends notices to the webhook in order, deduplicated per alert (one message per firing episode and level, one
 * resolve after a firing), each retried with exponential backoff on a network error, timeout, 429 (honouring
 * `Retry-After`) or 5xx. {@link notify} only queues: delivery runs in the background, so a slow or dead webhook
 * never delays evaluation.
 */
export class Notifier {
  private readonly queue: WebhookMessage[] = [];
  private running: Promise<void> | undefined;
  /** Per rule: what was last announced (`firing:<level>`, `nodata`, `resolved`). */
  private readonly announced = new Map<string, string>();
  private stopped = false;
  /** Delivered / dropped / failed-after-retries counts (for logs and tests). */
  readonly stats = { delivered: 0, failed: 0, dropped: 0, attempts: 0 };

  constructor(private readonly o: NotifierOptions) {}

  /** Queues a notice unless it repeats what was already announced for the alert. Returns whether it was queued. */
  notify(n: Notice): boolean {
    if (n.kind === "alert") {
      const e = n.event;
      if (e.type === "pending") return false;
      const prev = this.announced.get(n.rule.name);
      const now = e.type === "firing" || e.type === "level-changed" ? `firing:${e.level}` : e.type;
      if (prev === now) return false;
      // A resolve is only news after a firing or no-data announcement.
      if (e.type === "resolved" && (prev === undefined || prev === "resolved")) return false;
      this.announced.set(n.rule.name, now);
    }
    const msg = deepRedact(formatNotice(n), this.o.redact);
    this.o.log(`notify: ${msg.text}`);
    if (!this.o.url) return true;
    if (this.queue.length >= (this.o.maxQueue ?? 500)) {
      this.queue.shift();
      this.stats.dropped++;
      this.o.log("notify: queue full, dropped the oldest message");
    }
    this.queue.push(msg);
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return true;
  }

  /** Resolves when every queued message was delivered or given up on (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops retrying; queued messages are abandoned. */
  stop(): void {
    this.stopped = true;
  }

  private async drain(): Promise<void> {
    while (this.queue.length && !this.stopped) {
      const msg = this.queue[0]!;
      const ok = await this.deliver(msg);
      this.queue.shift();
      if (ok) this.stats.delivered++;
      else this.stats.failed++;
    }
  }

  private async deliver(msg: WebhookMessage): Promise<boolean> {
    const attempts = this.o.attempts ?? 6;
    const base = this.o.backoffMs ?? 1000;
    const body = JSON.stringify(msg);
    for (let i = 0; i < attempts && !this.stopped; i++) {
      let wait = Math.min(30_000, base * 2 ** i) * (0.8 + Math.random() * 0.4);
      let why: string;
      this.stats.attempts++;
      try {
        const res = await fetch(this.o.url!, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) return true;
        why = `HTTP ${res.status}`;
        if (res.status === 429) {
          const ra = Number(res.headers.get("retry-after"));
          if (Number.isFinite(ra) && ra > 0) wait = Math.min(60_000, ra * 1000);
        } else if (res.status < 500) {
          // 4xx other than 429: the webhook rejects this message (bad URL, revoked); retrying cannot help.
          this.o.log(`notify: webhook refused the message (${why}); not retrying`);
          return false;
        }
      } catch (e) {
        why =
          (e as Error).name === "TimeoutError" ? "timed out" : `unreachable (${String((e as { cause?: { code?: string } }).cause?.code ?? "network error")})`;
      }
      if (i + 1 < attempts) {
        this.o.log(`notify: webhook ${why}; retry ${i + 1}/${attempts - 1} in ${Math.round(wait)} ms`);
        await new Promise((r) => setTimeout(r, wait));
      } else this.o.log(`notify: webhook ${why}; giving up after ${attempts} attempts`);
    }
    return false;
  }
}
