import { NonNumericColumnError, UnknownColumnError } from '../../lib/errors.js';
import { computeStats } from '../../lib/ops/stats.js';
import { memorySource } from './factories/memory-source.js';

describe('stats', () => {
  test('describes numeric text columns with sample variance by default', async () => {
    const source = memorySource([
      { a: ['1', '2', null], b: ['10', '-2.5', '1e1'] },
      { a: ['3', '4', '5'], b: [null, null, '0'] },
    ]);
    const { rows, rowsIn } = await computeStats(source, { columns: ['b', 'a'] });
    expect(rowsIn).toBe(6);
    expect(rows[1]).toEqual({
      column: 'a',
      count: 5,
      nulls: 1,
      mean: 3,
      variance: 2.5,
      std: Math.sqrt(2.5),
      min: 1,
      max: 5,
    });
    expect(rows[0]).toMatchObject({ column: 'b', count: 4, nulls: 2, min: -2.5, max: 10 });
    expect(rows[0]!.mean).toBeCloseTo(4.375, 12);
  });

  test('uses the population variance when ddof is 0', async () => {
    const { rows } = await computeStats(memorySource([{ a: [2, 4, 4, 4, 5, 5, 7, 9] }]), {
      columns: ['a'],
      ddof: 0,
    });
    expect(rows[0]).toMatchObject({ variance: 4, std: 2 });
  });

  test('gives nulls for a column without values and for variance of a single value', async () => {
    const { rows } = await computeStats(memorySource([{ a: [null, null], b: [null, '7'] }]), {
      columns: ['a', 'b'],
    });
    expect(rows[0]).toEqual({
      column: 'a',
      count: 0,
      nulls: 2,
      mean: null,
      variance: null,
      std: null,
      min: null,
      max: null,
    });
    expect(rows[1]).toMatchObject({ count: 1, mean: 7, variance: null, std: null, min: 7, max: 7 });
  });

  test('refuses a non-numeric column and says which value and row', async () => {
    const source = memorySource([{ a: ['1', '2'] }, { a: ['3', 'abc'] }]);
    await expect(computeStats(source, { columns: ['a'] })).rejects.toThrow(NonNumericColumnError);
    await expect(computeStats(source, { columns: ['a'] })).rejects.toThrow(/"abc" at data row 4/);
  });

  test('treats booleans as non-numeric', async () => {
    await expect(
      computeStats(memorySource([{ a: [true, false] }]), { columns: ['a'] }),
    ).rejects.toMatchObject({
      code: 'non_numeric_column',
    });
  });

  test('lists the available columns when one is unknown, before reading rows if there is a header', async () => {
    const err = await computeStats(memorySource([{ a: [1] }]), { columns: ['a', 'zz'] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnknownColumnError);
    expect((err as UnknownColumnError).details).toEqual({ unknown: ['zz'], available: ['a'] });
  });

  test('checks columns after the pass when the format has no header, counting missing keys as nulls', async () => {
    const source = memorySource([{ a: [1, 2] }, { a: [3], b: [4] }], { header: false });
    const { rows } = await computeStats(source, { columns: ['b'] });
    expect(rows[0]).toMatchObject({ count: 1, nulls: 2 });
    await expect(computeStats(source, { columns: ['c'] })).rejects.toMatchObject({ code: 'unknown_column' });
  });
});
