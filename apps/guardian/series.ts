import type { Sample, SeriesInput } from "../../infra/alerts/evaluate";

/** Identifies one series: a signal for one target (`""` for AlphaStack signals, which take none). */
export function seriesKey(signal: string, target: string | undefined): string {
  return `${signal}|${target ?? ""}`;
}

/**
 * The samples the guardian has collected, per signal and target, plus whether the last collection failed. Samples
 * older than `retentionMs` are dropped (the longest rule window decides it), so memory stays bounded.
 */
export class SeriesStore {
  private readonly samples = new Map<string, Sample[]>();
  private readonly errors = new Map<string, string>();

  constructor(private retentionMs = 3 * 24 * 3_600_000) {}

  setRetention(ms: number): void {
    this.retentionMs = ms;
  }

  /** Appends a sample (clears a previous collection error). */
  add(key: string, sample: Sample): void {
    let list = this.samples.get(key);
    if (!list) this.samples.set(key, (list = []));
    list.push(sample);
    this.errors.delete(key);
    this.trim(list, sample.t);
  }

  /**
   * Replaces the samples from `from` on (a source that answers with a whole recent history, such as Render's
   * metrics API, whose latest bucket grows until it closes).
   */
  replaceFrom(key: string, from: number, samples: Sample[]): void {
    const kept = (this.samples.get(key) ?? []).filter((s) => s.t < from);
    const list = [...kept, ...samples].sort((a, b) => a.t - b.t);
    this.samples.set(key, list);
    this.errors.delete(key);
    if (list.length) this.trim(list, list[list.length - 1]!.t);
  }

  /** Records that collecting this series failed now; the message must already be redacted. */
  fail(key: string, error: string): void {
    this.errors.set(key, error);
  }

  /** What `evaluate()` reads. */
  input(key: string): SeriesInput {
    const error = this.errors.get(key);
    return { samples: this.samples.get(key) ?? [], ...(error !== undefined ? { error } : {}) };
  }

  private trim(list: Sample[], now: number): void {
    let drop = 0;
    while (drop < list.length && list[drop]!.t < now - this.retentionMs) drop++;
    if (drop) list.splice(0, drop);
  }
}
