/**
 * The `non_null` operation: keeps the rows where every listed column is
 * non-null (`how: "all"`, the default) or at least one is (`how: "any"`),
 * with all input columns in input order and rows in input order. Streams:
 * each batch is filtered and written before the next is read.
 *
 * @module
 */
import type { ColumnTable } from 'arquero';
import type { Batch, ColumnSpec, ColumnType, TableSource, TableWriter } from '../types.js';
import { TypeTracker } from '../values.js';
import { assertColumnsExist, ColumnUnion, columnValues } from './columns.js';

/** Parameters of `non_null`. */
export interface NonNullParams {
  readonly columns: readonly string[];
  /** `all` (default): every column non-null; `any`: at least one. */
  readonly how?: 'all' | 'any';
}

/** Rows read and kept by {@link filterNonNull}. */
export interface NonNullCounts {
  readonly rowsIn: number;
  readonly rowsOut: number;
}

/**
 * Reads the whole input once to learn its columns (union, first-seen
 * order) and their types, for formats whose header does not tell.
 *
 * @throws `ParseError` from the reader
 */
export async function scanSchema(source: TableSource): Promise<ColumnSpec[]> {
  const union = new ColumnUnion();
  const trackers = new Map<string, TypeTracker>();
  for await (const batch of source.batches()) {
    union.add(batch);
    for (const name of batch.table.columnNames()) {
      let tracker = trackers.get(name);
      if (!tracker) trackers.set(name, (tracker = new TypeTracker()));
      tracker.observeAll(columnValues(batch, name) ?? []);
    }
  }
  return union.names.map((name) => ({ name, type: trackers.get(name)?.type ?? 'string' }));
}

/** The columns and types of the input, reading it only when its header and types are not enough. */
export async function resolveSchema(source: TableSource, rawTextIsEnough: boolean): Promise<ColumnSpec[]> {
  const header = await source.header();
  const known = await source.knownTypes();
  if (header && known) return header.map((name) => ({ name, type: known.get(name) ?? 'string' }));
  // Text to text (CSV to CSV): cells are copied verbatim, so their types do not matter.
  if (header && rawTextIsEnough) return header.map((name) => ({ name, type: 'string' as ColumnType }));
  return scanSchema(source);
}

/** Builds (and caches per set of present columns) the arquero filter of a batch. */
class RowFilter {
  #cache = new Map<string, string | null>();

  constructor(
    readonly columns: readonly string[],
    readonly how: 'all' | 'any',
  ) {}

  /** The arquero expression for a batch with these columns, or null when no row can pass. */
  expression(batch: Batch): string | null {
    const present = this.columns.filter((c) => columnValues(batch, c) !== undefined);
    const cacheKey = present.join('\u0000');
    let expr = this.#cache.get(cacheKey);
    if (expr === undefined) {
      // A column missing from a batch is null in every row of it.
      const impossible = this.how === 'all' ? present.length < this.columns.length : present.length === 0;
      const tests = present.map((c) => `d[${JSON.stringify(c)}] != null`);
      expr = impossible ? null : `d => ${tests.join(this.how === 'all' ? ' && ' : ' || ')}`;
      this.#cache.set(cacheKey, expr);
    }
    return expr;
  }
}

/**
 * Filters the input and writes the kept rows.
 *
 * @param source - the input
 * @param params - columns and how
 * @param schema - the input's columns (from {@link resolveSchema}); requested columns are checked against it
 * @param writer - receives each filtered batch
 * @throws `UnknownColumnError` when a column is not in the input
 * @throws `ParseError` from the reader
 */
export async function filterNonNull(
  source: TableSource,
  params: NonNullParams,
  schema: readonly ColumnSpec[],
  writer: TableWriter,
): Promise<NonNullCounts> {
  assertColumnsExist(
    params.columns,
    schema.map((c) => c.name),
  );
  const filter = new RowFilter(params.columns, params.how ?? 'all');
  let rowsIn = 0;
  let rowsOut = 0;
  for await (const batch of source.batches()) {
    rowsIn += batch.table.numRows();
    const expr = filter.expression(batch);
    if (expr === null) continue;
    const kept: ColumnTable = batch.table.filter(expr);
    const n = kept.numRows();
    if (n === 0) continue;
    rowsOut += n;
    await writer.write(kept);
  }
  return { rowsIn, rowsOut };
}
