/**
 * Column access for writers: the cells of each schema column of a batch, in
 * row order, whatever the shape of the arquero table (plain, filtered or
 * ordered view).
 *
 * @module
 */
import type { ColumnTable } from 'arquero';
import type { ColumnSpec, Scalar } from '../types.js';

/** The cells of one column of a batch; `undefined` cells (holes) stand for null. */
export type Cells = ArrayLike<Scalar | undefined>;

/** A column absent from a batch: every read gives `undefined`, i.e. null. */
const ABSENT: Cells = { length: 0 };

/**
 * Returns, for each column of `schema` in order, the batch's cells of that
 * column in row order. A column the table lacks reads as all-null.
 *
 * An unfiltered, unordered table hands out its backing arrays without a copy;
 * a filtered or ordered view is materialized with `table.array`, since its
 * backing arrays also hold the rows the view hides.
 *
 * @param table - the batch, possibly a `filter`/`orderby` view
 * @param schema - the output columns
 * @returns one cell array per schema column; index `i` is the view's row `i`
 * @example
 * ```ts
 * const [ids] = schemaCells(t.filter((d) => d.id > 1), [{ name: 'id', type: 'number' }]);
 * ```
 */
export function schemaCells(table: ColumnTable, schema: readonly ColumnSpec[]): Cells[] {
  const direct = !table.isFiltered() && !table.isOrdered();
  return schema.map(({ name }) => {
    const column = table.column(name);
    if (column === undefined) return ABSENT;
    if (direct && (Array.isArray(column) || ArrayBuffer.isView(column))) return column as unknown as Cells;
    return table.array(name) as Cells;
  });
}
