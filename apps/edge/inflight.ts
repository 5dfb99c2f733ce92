import type { Slot } from "./config";

/**
 * The number of requests in flight to one slot of one app. Made once per slot and held by the proxy next to the
 * slot's connection pool, so the hot path only adds and subtracts (no string key, no map lookup).
 */
export class SlotCounter {
  /** Requests in flight now. */
  n = 0;
  /** Called once when `n` next reaches 0 (drains waiting on this slot). */
  waiters: Set<() => void> | undefined;

  /** One request finished (or moved to another slot). */
  dec(): void {
    if (--this.n > 0) return;
    if (this.n < 0) this.n = 0;
    const w = this.waiters;
    if (!w) return;
    this.waiters = undefined;
    w.forEach((f) => f());
  }
}

/** Counts requests in flight per app and slot, so a switch can wait until the old slot has drained. */
export class InFlight {
  private readonly counters = new Map<string, SlotCounter>();

  /** The counter of one slot of one app (the same object on every call). */
  counter(app: string, slot: Slot): SlotCounter {
    const k = `${app}\u0000${slot}`;
    let c = this.counters.get(k);
    if (!c) this.counters.set(k, (c = new SlotCounter()));
    return c;
  }

  inc(app: string, slot: Slot): void {
    this.counter(app, slot).n++;
  }

  dec(app: string, slot: Slot): void {
    this.counter(app, slot).dec();
  }

  count(app: string, slot: Slot): number {
    return this.counters.get(`${app}\u0000${slot}`)?.n ?? 0;
  }

  total(): number {
    let t = 0;
    for (const c of this.counters.values()) t += c.n;
    return t;
  }

  /** Resolves true once no request of `app` is in flight to `slot`, or false after `timeoutMs`. */
  drained(app: string, slot: Slot, timeoutMs: number): Promise<boolean> {
    const c = this.counter(app, slot);
    if (c.n === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        resolve(true);
      };
      const t = setTimeout(() => {
        c.waiters?.delete(done);
        resolve(false);
      }, timeoutMs);
      (c.waiters ??= new Set()).add(done);
    });
  }
}
