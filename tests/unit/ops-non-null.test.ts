import type { ColumnTable } from 'arquero';
import { filterNonNull, resolveSchema } from '../../lib/ops/non-null.js';
import type { Scalar, TableWriter } from '../../lib/types.js';
import { memorySource } from './factories/memory-source.js';

/** A TableWriter that keeps the rows it is given, as objects. */
function collector(): TableWriter & { rows: Record<string, Scalar>[] } {
  const rows: Record<string, Scalar>[] = [];
  return {
    rows,
    write: async (table: ColumnTable) => {
      rows.push(...(table.objects() as Record<string, Scalar>[]));
    },
    close: async () => undefined,
  };
}

describe('non_null', () => {
  const batches = [
    { id: ['1', '2', '3'], a: ['x', null, 'z'], b: [null, null, 'q'] },
    { id: ['4', '5'], a: ['u', null], b: ['v', 'w'] },
  ];

  test('keeps the rows where every listed column is non-null, in input order', async () => {
    const source = memorySource(batches);
    const schema = await resolveSchema(source, true);
    const out = collector();
    const counts = await filterNonNull(source, { columns: ['a', 'b'] }, schema, out);
    expect(counts).toEqual({ rowsIn: 5, rowsOut: 2 });
    expect(out.rows).toEqual([
      { id: '3', a: 'z', b: 'q' },
      { id: '4', a: 'u', b: 'v' },
    ]);
  });

  test('with how "any" keeps the rows where at least one listed column is non-null', async () => {
    const source = memorySource(batches);
    const out = collector();
    const counts = await filterNonNull(
      source,
      { columns: ['a', 'b'], how: 'any' },
      await resolveSchema(source, true),
      out,
    );
    expect(counts.rowsOut).toBe(4);
    expect(out.rows.map((r) => r.id)).toEqual(['1', '3', '4', '5']);
  });

  test('a column absent from a batch counts as null in each of its rows', async () => {
    const source = memorySource([{ id: [1, 2] }, { id: [3], late: ['y'] }], { header: false });
    const schema = await resolveSchema(source, false);
    expect(schema).toEqual([
      { name: 'id', type: 'number' },
      { name: 'late', type: 'string' },
    ]);
    const out = collector();
    await filterNonNull(source, { columns: ['late'] }, schema, out);
    expect(out.rows).toEqual([{ id: 3, late: 'y' }]);
  });

  test('handles column names that need quoting in the filter expression', async () => {
    const source = memorySource([{ 'we"ird name': ['a', null], "it's": [1, 2] }]);
    const out = collector();
    await filterNonNull(source, { columns: ['we"ird name'] }, await resolveSchema(source, true), out);
    expect(out.rows).toEqual([{ 'we"ird name': 'a', "it's": 1 }]);
  });

  test('reports unknown columns', async () => {
    const source = memorySource(batches);
    await expect(
      filterNonNull(source, { columns: ['nope'] }, await resolveSchema(source, true), collector()),
    ).rejects.toMatchObject({
      code: 'unknown_column',
    });
  });
});
