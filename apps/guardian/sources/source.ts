import type { AlertRule } from "../../../infra/alerts/rule";
import type { SignalName } from "../../../infra/alerts/signals";
import type { SeriesStore } from "../series";

/**
 * One kind of measurement the guardian collects (Argo Rollouts' model: one folder per metric provider behind one
 * small interface). `collect` never throws: a failure is recorded on each series it should have filled, so each
 * rule's `onError` decides what it means.
 */
export interface SignalSource {
  readonly name: string;
  /** The signals this source measures. */
  readonly signals: readonly SignalName[];
  /** Collects what `rules` (already filtered to this source's signals) need, at `now`. */
  collect(rules: readonly AlertRule[], store: SeriesStore, now: number): Promise<void>;
}

/** The distinct targets of rules (AlphaStack signals have none: `undefined`). */
export function targetsOf(rules: readonly AlertRule[]): Array<string | undefined> {
  return [...new Set(rules.map((r) => r.target))];
}

/** A failure message without any secret; `secrets` are the configuration's. */
export type Redactor = (text: string) => string;
