/**
 * A small, fast, seeded pseudo-random generator (mulberry32), for data that
 * must be the same on every run: benchmark data sets and fuzz loops. Not for
 * anything secret.
 *
 * @module
 */

/**
 * Returns a generator of floats in [0, 1), determined by `seed`.
 *
 * @example
 * ```ts
 * const random = prng(42);
 * random(); // the same first value on every run
 * ```
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
