import type { Slot } from "./config";

/** Counts requests in flight per app and slot, so a switch can wait until the old slot has drained. */
export class InFlight {
  private readonly counts = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();

  private key(app: string, slot: Slot) {
    return `${app}\u0000${slot}`;
  }

  inc(app: string, slot: Slot): void {
    const k = this.key(app, slot);
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  dec(app: string, slot: Slot): void {
    const k = this.key(app, slot);
    const n = (this.counts.get(k) ?? 1) - 1;
    this.counts.set(k, n);
    if (n === 0) {
      const w = this.waiters.get(k);
      this.waiters.delete(k);
      w?.forEach((f) => f());
    }
  }

  count(app: string, slot: Slot): number {
    return this.counts.get(this.key(app, slot)) ?? 0;
  }

  total(): number {
    let t = 0;
    for (const n of this.counts.values()) t += n;
    return t;
  }

  /** Resolves true once no request of `app` is in flight to `slot`, or false after `timeoutMs`. */
  drained(app: string, slot: Slot, timeoutMs: number): Promise<boolean> {
    if (this.count(app, slot) === 0) return Promise.resolve(true);
    const k = this.key(app, slot);
    return new Promise((resolve) => {
      const done = () => { clearTimeout(t); resolve(true); };
      const t = setTimeout(() => { this.waiters.get(k)?.delete(done); resolve(false); }, timeoutMs);
      let set = this.waiters.get(k);
      if (!set) this.waiters.set(k, (set = new Set()));
      set.add(done);
    });
  }
}
