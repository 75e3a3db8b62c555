import fc from 'fast-check';
import {
  addValue,
  blockMoments,
  emptyMoments,
  medianOf,
  mergeMoments,
  stdOf,
  sumOf,
  varianceOf,
} from '../../lib/ops/moments.js';

function naive(values: number[]): { mean: number; variance: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return { mean, variance };
}

const close = (a: number, b: number, rel = 1e-9): boolean =>
  Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

describe('numeric moments', () => {
  test('Welford updates give the textbook mean and sample variance', () => {
    const m = emptyMoments();
    for (const x of [2, 4, 4, 4, 5, 5, 7, 9]) addValue(m, x);
    expect(m.mean).toBe(5);
    expect(varianceOf(m, 0)).toBeCloseTo(4, 12);
    expect(stdOf(m, 0)).toBeCloseTo(2, 12);
    expect(varianceOf(m, 1)).toBeCloseTo(32 / 7, 12);
  });

  test('variance is null when undefined: no value, or one value with ddof 1', () => {
    const m = emptyMoments();
    expect(varianceOf(m, 1)).toBeNull();
    expect(sumOf(m)).toBeNull();
    addValue(m, 3);
    expect(varianceOf(m, 1)).toBeNull();
    expect(varianceOf(m, 0)).toBe(0);
  });

  test('merging the moments of any split equals the moments of the whole', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 2, maxLength: 200 }),
        fc.nat(),
        (values, cut) => {
          const at = cut % values.length;
          const left = blockMoments(Float64Array.from(values.slice(0, at)), at);
          const right = emptyMoments();
          for (const x of values.slice(at)) addValue(right, x);
          mergeMoments(left, right);
          const expected = naive(values);
          return (
            close(left.mean, expected.mean, 1e-9) && close(varianceOf(left, 1)!, expected.variance, 1e-7)
          );
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });

  test('the compensated sum keeps small terms that naive summation drops', () => {
    const m = emptyMoments();
    for (const x of [1e16, 1, 1, 1, 1, -1e16]) addValue(m, x);
    expect(sumOf(m)).toBe(4);
  });

  test('two-pass block moments stay exact on values with a large offset', () => {
    const values = Float64Array.from([1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16]);
    const m = blockMoments(values, values.length);
    expect(m.mean).toBe(1e9 + 10);
    expect(varianceOf(m, 1)).toBe(30);
  });

  test('the median averages the two middle values of an even count', () => {
    expect(medianOf([3, 1, 4, 2])).toBe(2.5);
    expect(medianOf([5, 1, 3])).toBe(3);
    expect(medianOf([])).toBeNull();
  });
});
