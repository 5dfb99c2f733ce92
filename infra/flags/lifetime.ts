import type { FlagKind, FlagSet } from "./definition";

const DAY_MS = 86_400_000;

/**
 * How long a flag of each kind may live, in days; `null` means permanent. Release flags should go once the feature
 * is fully out (two months covers a rollout plus a bake); experiments once the result is read (a quarter);
 * operational flags and kill switches are meant to stay.
 */
export const FLAG_LIFETIME_DAYS: Readonly<Record<FlagKind, number | null>> = {
  release: 60,
  experiment: 90,
  operational: null,
  "kill-switch": null,
};

/** A flag past its lifetime. */
export interface StaleFlag {
  key: string;
  kind: FlagKind;
  owner: string;
  createdAt: string;
  /** When it became stale (ISO). */
  expiredAt: string;
  /** Whole days past its end of life. */
  daysOverdue: number;
  /** A one-line warning for `preview`. */
  message: string;
}

/**
 * The flags of `set` that have outlived their kind's lifetime (or their own `expiresAt`) at `now`, oldest first.
 * Pure, so `preview` and tests can pass any clock.
 */
export function staleFlags(set: Pick<FlagSet, "flags">, now: Date): StaleFlag[] {
  const out: StaleFlag[] = [];
  for (const [key, def] of Object.entries(set.flags)) {
    const { kind, owner, createdAt, expiresAt } = def.metadata;
    const lifetime = FLAG_LIFETIME_DAYS[kind];
    const end = expiresAt ? Date.parse(expiresAt) : lifetime === null ? undefined : Date.parse(createdAt) + lifetime * DAY_MS;
    if (end === undefined || now.getTime() < end) continue;
    const daysOverdue = Math.floor((now.getTime() - end) / DAY_MS);
    const why = expiresAt ? `its expiresAt ${expiresAt}` : `the ${lifetime}-day lifetime of a ${kind} flag`;
    out.push({
      key,
      kind,
      owner,
      createdAt,
      expiredAt: new Date(end).toISOString(),
      daysOverdue,
      message: `flag '${key}' (${kind}, owner ${owner}, created ${createdAt}) is stale: past ${why} by ${daysOverdue} day(s); remove it from the code and the stack, or change its kind`,
    });
  }
  return out.sort((a, b) => a.expiredAt.localeCompare(b.expiredAt));
}
