import { z } from "zod";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PATTERN = /^(\d+(ms|s|m|h|d|w))+$/;

/** Parses a Prometheus-style duration (`30s`, `5m`, `1h30m`, `0s`) into milliseconds. */
export function parseDuration(text: string): number {
  if (!PATTERN.test(text)) throw new Error(`'${text}' is not a duration like 30s, 5m or 1h30m`);
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms;
}

/** Formats milliseconds as the shortest Prometheus duration (`90000` → `1m30s`, `0` → `0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const unit of ["w", "d", "h", "m", "s", "ms"]) {
    const size = UNIT_MS[unit]!;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** A duration field: a Prometheus-style string. */
export const DurationSchema = z.string().regex(PATTERN, "must be a duration like 30s, 5m or 1h30m");
