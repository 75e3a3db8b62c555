/**
 * The `non_null` operation: keeps the rows where every listed column is
 * non-null (`how: "all"`, the default) or at least one is (`how: "any"`),
 * with all input columns in input order and rows in input order. Streams:
 * each batch is filtered and written before the next is read.
 *
 * @module
 */
import { ColumnTable } from 'arquero';
import type { Batch, ColumnSpec, ColumnType, Scalar, TableSource, TableWriter } from '../types.js';
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

/**
 * The rows of a batch that pass, as a new table of plain dense arrays (the
 * batch itself when every row passes), or null when none does. A plain loop
 * rather than an arquero filter: arquero would parse the expression for each
 * batch and leave a filtered view that every writer must materialize again.
 */
function keptRows(batch: Batch, columns: readonly string[], how: 'all' | 'any'): ColumnTable | null {
  const rows = batch.table.numRows();
  // A column missing from a batch is null in every row of it.
  const present = columns.map((c) => columnValues(batch, c)).filter((c) => c !== undefined);
  if (how === 'all' ? present.length < columns.length : present.length === 0) return null;
  const kept = new Int32Array(rows);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    let pass = how === 'all';
    for (let j = 0; j < present.length; j++) {
      if ((present[j]![r] != null) !== pass) {
        pass = !pass;
        break;
      }
    }
    if (pass) kept[n++] = r;
  }
  if (n === rows) return batch.table;
  if (n === 0) return null;
  const names = batch.table.columnNames();
  // A prototype-less object keeps a column named "__proto__" an ordinary column.
  const data = Object.create(null) as Record<string, Scalar[]>;
  for (const name of names) {
    const from = columnValues(batch, name)!;
    const to = new Array<Scalar>(n);
    for (let i = 0; i < n; i++) to[i] = from[kept[i]!]!;
    data[name] = to;
  }
  return new ColumnTable(data, names);
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
  const how = params.how ?? 'all';
  let rowsIn = 0;
  let rowsOut = 0;
  for await (const batch of source.batches()) {
    rowsIn += batch.table.numRows();
    const kept = keptRows(batch, params.columns, how);
    if (kept === null) continue;
    const n = kept.numRows();
    rowsOut += n;
    await writer.write(kept);
  }
  return { rowsIn, rowsOut };
}
