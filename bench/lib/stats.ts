/** Percentile (nearest rank) of a list of numbers; NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Rounds to 0.1 (use r2 for 0.01). */
export function r1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** Rounds to 0.01. */
export function r2(x: number): number {
  return Math.round(x * 100) / 100;
}
