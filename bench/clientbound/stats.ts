/** Median and spread of a set of ratios (or of any samples). */
export interface Spread {
  median: number
  /** Interquartile range. */
  q1: number
  q3: number
  min: number
  max: number
  /** Number of samples. */
  n: number
}

/** Quantile by linear interpolation between the closest ranks. */
function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

export function spread(samples: readonly number[]): Spread {
  if (samples.length === 0) throw new Error('bench: no samples')
  const sorted = [...samples].sort((a, b) => a - b)
  return {
    median: quantile(sorted, 0.5),
    q1: quantile(sorted, 0.25),
    q3: quantile(sorted, 0.75),
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    n: sorted.length,
  }
}

export const median = (samples: readonly number[]): number => spread(samples).median

/** Least-squares slope of `ys` against `xs`. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my)
    den += (xs[i]! - mx) ** 2
  }
  return den === 0 ? 0 : num / den
}
