/**
 * Quantile of a cumulative histogram (Prometheus `histogram_quantile` semantics): linear interpolation inside the
 * bucket that holds the rank; a rank in the `+Inf` bucket returns the highest finite bound. `undefined` without data.
 * @param bounds finite upper bounds, ascending
 * @param cumulative counts `<= bounds[i]`, one per bound, then the total (the `+Inf` bucket) last
 */
export function histogramQuantile(q: number, bounds: readonly number[], cumulative: readonly number[]): number | undefined {
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (cumulative[i] >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1];
      const below = i === 0 ? 0 : cumulative[i - 1];
      const inBucket = cumulative[i] - below;
      if (inBucket <= 0) return bounds[i];
      return lower + ((bounds[i] - lower) * (rank - below)) / inBucket;
    }
  }
  return bounds[bounds.length - 1];
}
