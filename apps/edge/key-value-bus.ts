import type Redis from "ioredis";
import type { FanoutResult } from "./peers";
import { KV_NAMES, type ChangeNotice } from "./stores/key-value";

/** An instance's confirmation of a write it heard about. */
export interface Ack {
  instance: string;
  id: string;
  /** The document this instance now holds is that write or made on top of it. */
  included: boolean;
  /** Its requests to a slot the write made inactive finished within the drain timeout. */
  drained: boolean;
}

/** Options of the bus. */
export interface KeyValueBusOptions {
  /** The command connection (shared with the store). */
  command: Redis;
  /** A second connection, used only for subscriptions (a subscribed Redis connection cannot run commands). */
  subscriber: Redis;
  instanceId: string;
  /** How long an instance stays listed without refreshing its key (default 3 s; refreshed every third of it). */
  livenessMs?: number;
  log: (msg: string) => void;
}

/** What the edge does with a change notice: catch up from the store and say whether it now holds the write. */
export type ChangeHandler = (notice: ChangeNotice) => Promise<{ included: boolean; drained: boolean }>;

/**
 * The switch barrier over Key Value: the instances of an edge register themselves (a key with a short expiry, plus
 * a set listing them), hear every write as a notice on one pub/sub channel (published atomically with the write by
 * the store's compare-and-set), catch up from the store, and confirm on the writer's own channel once their requests
 * to the old slot drained. A writer waits for the instances that were live when it started writing, bounded by a
 * timeout; one that does not confirm is reported (`synced: false`) and converges through the store poll.
 *
 * It replaces the HTTP peer fan-out: no discovery, no peer key, no instance reachable from another, and writers never
 * conflict (the store orders them).
 */
export class KeyValueBus {
  private readonly livenessMs: number;
  private readonly acks = new Map<string, Map<string, Ack>>();
  private readonly waiters = new Set<() => void>();
  private heartbeat?: NodeJS.Timeout;
  private stopped = false;
  private heartbeatFailing = false;

  constructor(private readonly o: KeyValueBusOptions) {
    this.livenessMs = o.livenessMs ?? 3_000;
  }

  /**
   * Subscribes (changes and this instance's acks), then registers: an instance is listed only once it can hear
   * notices, so a writer never waits for one that cannot answer. `onResubscribed` runs after every reconnect of the
   * subscription (notices sent meanwhile were lost: catch up from the store).
   */
  async start(onChange: ChangeHandler, onResubscribed: () => void): Promise<void> {
    const sub = this.o.subscriber;
    const ackChannel = KV_NAMES.acks(this.o.instanceId);
    sub.on("message", (channel: string, text: string) => {
      if (channel === KV_NAMES.changes) this.onNotice(text, onChange);
      else if (channel === ackChannel) this.onAck(text);
    });
    sub.on("error", () => undefined); // reconnects by itself; the command connection reports the outage
    let first = true;
    sub.on("ready", () => {
      if (first) return void (first = false);
      this.o.log("Key Value subscription restored; catching up from the store");
      onResubscribed();
    });
    await sub.connect();
    await sub.subscribe(KV_NAMES.changes, ackChannel);
    await this.register();
    const tick = () => {
      if (this.stopped) return;
      this.register()
        .then(() => {
          if (this.heartbeatFailing) this.o.log("Key Value reachable again");
          this.heartbeatFailing = false;
        })
        .catch((e) => {
          if (!this.heartbeatFailing)
            this.o.log(`Key Value unreachable (${(e as Error).message}); serving from the state held here, writes refused until it is back`);
          this.heartbeatFailing = true;
        })
        .finally(() => {
          if (!this.stopped) this.heartbeat = setTimeout(tick, Math.floor(this.livenessMs / 3)).unref();
        });
    };
    this.heartbeat = setTimeout(tick, Math.floor(this.livenessMs / 3)).unref();
  }

  private async register(): Promise<void> {
    await this.o.command.multi().set(KV_NAMES.instance(this.o.instanceId), "1", "PX", this.livenessMs).sadd(KV_NAMES.instances, this.o.instanceId).exec();
  }

  /** The other live instances now (read before a write, so each of them is subscribed before the write's notice). */
  async audience(): Promise<string[]> {
    const ids = (await this.o.command.smembers(KV_NAMES.instances)).filter((i) => i !== this.o.instanceId);
    if (ids.length === 0) return [];
    const live = await this.o.command.mget(ids.map((i) => KV_NAMES.instance(i)));
    const dead = ids.filter((_, i) => live[i] === null);
    if (dead.length) void this.o.command.srem(KV_NAMES.instances, ...dead).catch(() => undefined);
    return ids.filter((_, i) => live[i] !== null);
  }

  /** Waits until every instance of `audience` confirmed the write `id` (or `timeoutMs` passed). */
  async awaitAcks(id: string, audience: string[], timeoutMs: number): Promise<FanoutResult> {
    const done = () => audience.every((i) => this.acks.get(id)?.has(i));
    if (!done()) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, timeoutMs);
        const check = () => done() && finish();
        function finish() {
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        }
        const waiters = this.waiters;
        waiters.add(check);
      });
    }
    const got = this.acks.get(id) ?? new Map<string, Ack>();
    // Acks are kept a short while after the write: one may have arrived before the writer started waiting.
    setTimeout(() => this.acks.delete(id), 30_000).unref();
    const failed = audience
      .filter((i) => !got.get(i)?.included)
      .map((i) => ({ url: `instance:${i}`, error: got.has(i) ? "does not hold the write" : `no confirmation within ${timeoutMs} ms` }));
    return { total: audience.length, acked: audience.length - failed.length, failed };
  }

  private onNotice(text: string, onChange: ChangeHandler): void {
    let n: ChangeNotice;
    try {
      n = JSON.parse(text) as ChangeNotice;
      if (typeof n.id !== "string" || typeof n.replyTo !== "string" || !n.replyTo.startsWith(KV_NAMES.acks(""))) return;
    } catch {
      return;
    }
    if (n.from === this.o.instanceId) return;
    onChange(n)
      .then((r) => {
        const ack: Ack = { instance: this.o.instanceId, id: n.id, ...r };
        return this.o.command.publish(n.replyTo, JSON.stringify(ack));
      })
      .catch((e) => this.o.log(`change v${n.version} from ${n.from}: could not catch up (${(e as Error).message}); the store poll retries`));
  }

  private onAck(text: string): void {
    let a: Ack;
    try {
      a = JSON.parse(text) as Ack;
      if (typeof a.id !== "string" || typeof a.instance !== "string") return;
    } catch {
      return;
    }
    let m = this.acks.get(a.id);
    if (!m) {
      m = new Map();
      this.acks.set(a.id, m);
      // A confirmation nobody waits for (a write that already timed out) is forgotten too.
      setTimeout(() => this.acks.delete(a.id), 30_000).unref();
    }
    m.set(a.instance, { instance: a.instance, id: a.id, included: a.included === true, drained: a.drained === true });
    for (const w of [...this.waiters]) w();
  }

  /** Leaves the instance list (a graceful stop: writers stop waiting for this instance at once) and disconnects. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.heartbeat) clearTimeout(this.heartbeat);
    await this.o.command
      .multi()
      .del(KV_NAMES.instance(this.o.instanceId))
      .srem(KV_NAMES.instances, this.o.instanceId)
      .exec()
      .catch(() => undefined);
    this.o.subscriber.disconnect();
    this.o.command.disconnect();
  }
}
