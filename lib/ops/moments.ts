/**
 * Mergeable one-pass accumulators for numeric columns: count, mean and the
 * sum of squared deviations (Welford's update, merged with Chan et al.'s
 * formula), min, max, and a compensated sum (Neumaier). Merging two
 * accumulators gives the same result as accumulating both inputs in one, so
 * a column can be folded batch by batch, or group parts merged, without
 * losing precision.
 *
 * @module
 */

/** Running moments of a set of numbers. Create with {@link emptyMoments}. */
export interface Moments {
  /** Numbers folded in. */
  n: number;
  /** Their mean (0 while n = 0). */
  mean: number;
  /** Sum of squared deviations from the mean. */
  m2: number;
  /** Smallest number (Infinity while n = 0). */
  min: number;
  /** Largest number (-Infinity while n = 0). */
  max: number;
  /** Compensated sum: `sum + compensation` is the sum. */
  sum: number;
  /** Low-order part of the sum lost by floating-point addition. */
  compensation: number;
}

/** A new accumulator holding no number. */
export function emptyMoments(): Moments {
  return { n: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity, sum: 0, compensation: 0 };
}

/** Adds `x` to a compensated sum (Neumaier's variant of Kahan summation). */
function addToSum(m: Moments, x: number): void {
  const t = m.sum + x;
  if (Math.abs(m.sum) >= Math.abs(x)) m.compensation += m.sum - t + x;
  else m.compensation += x - t + m.sum;
  m.sum = t;
}

/** Folds one number into `m` (Welford's update). */
export function addValue(m: Moments, x: number): void {
  const n = m.n + 1;
  const delta = x - m.mean;
  m.mean += delta / n;
  m.m2 += delta * (x - m.mean);
  m.n = n;
  if (x < m.min) m.min = x;
  if (x > m.max) m.max = x;
  addToSum(m, x);
}

/**
 * Folds `b` into `a` (Chan, Golub and LeVeque's pairwise update). `b` is
 * left unchanged.
 */
export function mergeMoments(a: Moments, b: Moments): void {
  if (b.n === 0) return;
  if (a.n === 0) {
    Object.assign(a, b);
    return;
  }
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  a.m2 += b.m2 + (delta * delta * a.n * b.n) / n;
  a.mean += (delta * b.n) / n;
  a.n = n;
  if (b.min < a.min) a.min = b.min;
  if (b.max > a.max) a.max = b.max;
  addToSum(a, b.sum);
  a.compensation += b.compensation;
}

/**
 * Moments of a dense block of numbers, computed with two passes over the
 * block (mean first, then squared deviations), which is more accurate than
 * per-value updates; blocks are then merged with {@link mergeMoments}.
 */
export function blockMoments(values: Float64Array, length: number): Moments {
  const m = emptyMoments();
  if (length === 0) return m;
  let sum = 0;
  let comp = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < length; i++) {
    const x = values[i]!;
    const t = sum + x;
    if (Math.abs(sum) >= Math.abs(x)) comp += sum - t + x;
    else comp += x - t + sum;
    sum = t;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = (sum + comp) / length;
  let m2 = 0;
  let drift = 0;
  for (let i = 0; i < length; i++) {
    const d = values[i]! - mean;
    m2 += d * d;
    drift += d;
  }
  // Corrected two-pass formula: removes the rounding error left in `mean`.
  m2 -= (drift * drift) / length;
  m.n = length;
  m.mean = mean + drift / length;
  m.m2 = Math.max(0, m2);
  m.min = min;
  m.max = max;
  m.sum = sum;
  m.compensation = comp;
  return m;
}

/** The sum, or null when no number was folded in (as SQL's SUM). */
export function sumOf(m: Moments): number | null {
  return m.n === 0 ? null : m.sum + m.compensation;
}

/** The mean, or null when no number was folded in. */
export function meanOf(m: Moments): number | null {
  return m.n === 0 ? null : m.mean;
}

/**
 * The variance with `ddof` delta degrees of freedom (1: sample variance, as
 * pandas and SQL's VAR_SAMP; 0: population), or null where it is undefined.
 */
export function varianceOf(m: Moments, ddof: 0 | 1): number | null {
  const denominator = m.n - ddof;
  return m.n === 0 || denominator <= 0 ? null : m.m2 / denominator;
}

/** The standard deviation with `ddof`, or null where it is undefined. */
export function stdOf(m: Moments, ddof: 0 | 1): number | null {
  const v = varianceOf(m, ddof);
  return v === null ? null : Math.sqrt(v);
}

/** The median of `values` (mean of the two middle values for an even count), or null when empty. Sorts in place. */
export function medianOf(values: Float64Array | number[]): number | null {
  const n = values.length;
  if (n === 0) return null;
  const sorted = values instanceof Float64Array ? values.sort() : values.sort((a, b) => a - b);
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
