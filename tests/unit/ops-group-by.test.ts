import { computeGroupBy } from '../../lib/ops/group-by.js';
import { memorySource } from './factories/memory-source.js';

describe('group_by', () => {
  test('counts rows per key, sorted ascending with the null group last', async () => {
    const source = memorySource([{ k: ['b', null, 'a', 'b'] }, { k: ['a', null, 'c'] }]);
    const { rows, schema, rowsIn } = await computeGroupBy(source, { keys: ['k'] });
    expect(rowsIn).toBe(7);
    expect(schema).toEqual([
      { name: 'k', type: 'string' },
      { name: 'count', type: 'number' },
    ]);
    expect(rows).toEqual([
      { k: 'a', count: 2 },
      { k: 'b', count: 2 },
      { k: 'c', count: 1 },
      { k: null, count: 2 },
    ]);
  });

  test('computes every aggregation per group in request order', async () => {
    const source = memorySource([{ k: ['x', 'x', 'x', 'y', 'y'], v: ['1', '2', null, '4', '4'] }]);
    const { rows, schema } = await computeGroupBy(source, {
      keys: ['k'],
      aggregations: { v: ['sum', 'count', 'mean', 'min', 'max', 'variance', 'std', 'median', 'nunique'] },
    });
    expect(schema.map((c) => c.name)).toEqual([
      'k',
      'count',
      'v_sum',
      'v_count',
      'v_mean',
      'v_min',
      'v_max',
      'v_variance',
      'v_std',
      'v_median',
      'v_nunique',
    ]);
    expect(rows[0]).toEqual({
      k: 'x',
      count: 3,
      v_sum: 3,
      v_count: 2,
      v_mean: 1.5,
      v_min: 1,
      v_max: 2,
      v_variance: 0.5,
      v_std: Math.sqrt(0.5),
      v_median: 1.5,
      v_nunique: 2,
    });
    expect(rows[1]).toMatchObject({ k: 'y', count: 2, v_variance: 0, v_nunique: 1 });
  });

  test('merges raw keys that spell the same number, and sorts numeric keys numerically', async () => {
    const source = memorySource([{ k: ['10', '9', '1.0', '1', null] }]);
    const { rows, schema } = await computeGroupBy(source, { keys: ['k'] });
    expect(schema[0]).toEqual({ name: 'k', type: 'number' });
    expect(rows).toEqual([
      { k: 1, count: 2 },
      { k: 9, count: 1 },
      { k: 10, count: 1 },
      { k: null, count: 1 },
    ]);
  });

  test('groups on several keys, nulls forming their own groups', async () => {
    const source = memorySource([{ a: ['x', 'x', null, 'x'], b: [1, 2, 1, 1] }]);
    const { rows } = await computeGroupBy(source, { keys: ['a', 'b'] });
    expect(rows).toEqual([
      { a: 'x', b: 1, count: 2 },
      { a: 'x', b: 2, count: 1 },
      { a: null, b: 1, count: 1 },
    ]);
  });

  test('keys containing separator-like characters never collide', async () => {
    const source = memorySource([{ a: ['a;', 'a', 's1:a'], b: ['b', ';b', 'b'] }]);
    const { rows } = await computeGroupBy(source, { keys: ['a', 'b'] });
    expect(rows).toHaveLength(3);
  });

  test('min and max of a text column compare text, of a numeric column numbers', async () => {
    const source = memorySource([{ k: [1, 1, 1], s: ['pear', 'apple', 'zoo'], n: ['9', '10', '-1'] }]);
    const { rows } = await computeGroupBy(source, {
      keys: ['k'],
      aggregations: { s: ['min', 'max'], n: ['min', 'max'] },
    });
    expect(rows[0]).toMatchObject({ s_min: 'apple', s_max: 'zoo', n_min: -1, n_max: 10 });
  });

  test('nunique counts typed values, so 1 and 1.0 are one value', async () => {
    const source = memorySource([{ k: [1, 1, 1], n: ['1', '1.0', '2'] }]);
    const { rows } = await computeGroupBy(source, { keys: ['k'], aggregations: { n: ['nunique'] } });
    expect(rows[0]).toMatchObject({ n_nunique: 2 });
  });

  test('an aggregation over only nulls gives null, except counts which give 0', async () => {
    const source = memorySource([{ k: ['a'], v: [null] }]);
    const { rows } = await computeGroupBy(source, {
      keys: ['k'],
      aggregations: { v: ['count', 'sum', 'mean', 'min', 'median', 'nunique'] },
    });
    expect(rows[0]).toEqual({
      k: 'a',
      count: 1,
      v_count: 0,
      v_sum: null,
      v_mean: null,
      v_min: null,
      v_median: null,
      v_nunique: 0,
    });
  });

  test('refuses numeric aggregations on text, naming the column', async () => {
    const source = memorySource([{ k: ['a', 'a'], v: ['1', 'x'] }]);
    await expect(computeGroupBy(source, { keys: ['k'], aggregations: { v: ['sum'] } })).rejects.toMatchObject(
      {
        code: 'non_numeric_column',
        details: { column: 'v' },
      },
    );
  });

  test('refuses output column names that would clash', async () => {
    const source = memorySource([{ count: ['a'] }]);
    await expect(computeGroupBy(source, { keys: ['count'] })).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  test('reports unknown key and aggregated columns', async () => {
    const source = memorySource([{ k: ['a'] }]);
    await expect(
      computeGroupBy(source, { keys: ['k'], aggregations: { nope: ['sum'] } }),
    ).rejects.toMatchObject({
      code: 'unknown_column',
    });
  });

  test('boolean keys sort false before true', async () => {
    const source = memorySource([{ k: ['true', 'false', 'True', null] }]);
    const { rows } = await computeGroupBy(source, { keys: ['k'] });
    expect(rows).toEqual([
      { k: false, count: 1 },
      { k: true, count: 2 },
      { k: null, count: 1 },
    ]);
  });

  test('text keys sort by code point, astral characters after U+FFFD', async () => {
    const source = memorySource([{ k: ['😀', '\uFFFD', 'é', 'e'] }]);
    const { rows } = await computeGroupBy(source, { keys: ['k'] });
    expect(rows.map((r) => r.k)).toEqual(['e', 'é', '\uFFFD', '😀']);
  });

  test('gives the same answers with two keys and with types known before reading (Parquet)', async () => {
    const k1 = ['a', 'b', 'a', null, 'b', 'a'];
    const k2 = [true, false, true, true, null, false];
    const v = [3.5, -1, 10, null, 2, 0];
    const params = { keys: ['k1', 'k2'], aggregations: { v: ['min', 'max', 'mean', 'count'] as const } };
    const known = await computeGroupBy(
      memorySource(
        [
          { k1: k1.slice(0, 3), k2: k2.slice(0, 3), v: v.slice(0, 3) },
          { k1: k1.slice(3), k2: k2.slice(3), v: v.slice(3) },
        ],
        {
          types: { k1: 'string', k2: 'boolean', v: 'number' },
        },
      ),
      params,
    );
    const inferred = await computeGroupBy(memorySource([{ k1, k2, v }]), params);
    expect(known.rows).toEqual(inferred.rows);
    expect(known.rows).toEqual([
      { k1: 'a', k2: false, count: 1, v_min: 0, v_max: 0, v_mean: 0, v_count: 1 },
      { k1: 'a', k2: true, count: 2, v_min: 3.5, v_max: 10, v_mean: 6.75, v_count: 2 },
      { k1: 'b', k2: false, count: 1, v_min: -1, v_max: -1, v_mean: -1, v_count: 1 },
      { k1: 'b', k2: null, count: 1, v_min: 2, v_max: 2, v_mean: 2, v_count: 1 },
      { k1: null, k2: true, count: 1, v_min: null, v_max: null, v_mean: null, v_count: 0 },
    ]);
  });

  test('min and max of a column that turns out text after numeric batches compare as text', async () => {
    const source = memorySource([
      { k: ['a', 'a', 'b'], v: ['10', '9', '5'] },
      { k: ['a', 'b'], v: ['x', null] },
    ]);
    const { rows, schema } = await computeGroupBy(source, {
      keys: ['k'],
      aggregations: { v: ['min', 'max', 'count'] },
    });
    expect(schema.find((c) => c.name === 'v_min')?.type).toBe('string');
    expect(rows).toEqual([
      { k: 'a', count: 3, v_min: '10', v_max: 'x', v_count: 3 },
      { k: 'b', count: 2, v_min: '5', v_max: '5', v_count: 1 },
    ]);
  });

  test('min and max of a boolean text column after the numeric assumption fails', async () => {
    const source = memorySource([{ k: ['a', 'a'], v: ['true', 'false'] }]);
    const { rows } = await computeGroupBy(source, { keys: ['k'], aggregations: { v: ['min', 'max'] } });
    expect(rows).toEqual([{ k: 'a', count: 2, v_min: false, v_max: true }]);
  });
});
