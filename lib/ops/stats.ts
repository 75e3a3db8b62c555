/**
 * The `stats` operation: per requested column, the count of non-null
 * values, nulls, mean, variance, standard deviation, min and max, folded
 * batch by batch so memory does not grow with the input.
 *
 * @module
 */
import { NonNumericColumnError } from '../errors.js';
import type { Batch, ColumnSpec, Scalar, TableSource } from '../types.js';
import { toNumber } from '../values.js';
import { assertColumnsExist, ColumnUnion, columnValues } from './columns.js';
import {
  blockMoments,
  emptyMoments,
  meanOf,
  mergeMoments,
  stdOf,
  varianceOf,
  type Moments,
} from './moments.js';

/** Parameters of `stats`. */
export interface StatsParams {
  /** Columns to describe, in output order. */
  readonly columns: readonly string[];
  /** Delta degrees of freedom of variance and std: 1 (sample, default) or 0. */
  readonly ddof?: 0 | 1;
}

/** The output columns of `stats`, in order. */
export const STATS_SCHEMA: readonly ColumnSpec[] = [
  { name: 'column', type: 'string' },
  { name: 'count', type: 'number' },
  { name: 'nulls', type: 'number' },
  { name: 'mean', type: 'number' },
  { name: 'variance', type: 'number' },
  { name: 'std', type: 'number' },
  { name: 'min', type: 'number' },
  { name: 'max', type: 'number' },
];

/** Result of {@link computeStats}: one row per requested column, plus the rows read. */
export interface StatsResult {
  readonly rows: Record<string, Scalar>[];
  readonly rowsIn: number;
}

/** Accumulates one column; `scratch` is reused across batches to avoid allocation. */
class ColumnStats {
  readonly moments: Moments = emptyMoments();
  nulls = 0;
  #scratch = new Float64Array(0);

  constructor(readonly name: string) {}

  fold(values: readonly Scalar[] | undefined, rows: number, firstRow: number): void {
    if (values === undefined) {
      this.nulls += rows;
      return;
    }
    if (this.#scratch.length < rows) this.#scratch = new Float64Array(rows);
    const block = this.#scratch;
    let n = 0;
    for (let i = 0; i < rows; i++) {
      const v = values[i]!;
      if (v === null) continue;
      const x = typeof v === 'number' ? v : toNumber(v);
      if (x === undefined || x !== x) {
        throw new NonNumericColumnError(this.name, String(v), `data row ${firstRow + i}`);
      }
      block[n++] = x;
    }
    this.nulls += rows - n;
    mergeMoments(this.moments, blockMoments(block, n));
  }

  row(ddof: 0 | 1): Record<string, Scalar> {
    const m = this.moments;
    return {
      column: this.name,
      count: m.n,
      nulls: this.nulls,
      mean: meanOf(m),
      variance: varianceOf(m, ddof),
      std: stdOf(m, ddof),
      min: m.n === 0 ? null : m.min,
      max: m.n === 0 ? null : m.max,
    };
  }
}

/**
 * Describes numeric columns in one streaming pass.
 *
 * @param source - the input
 * @param params - columns and ddof
 * @returns one row per column, in request order (see {@link STATS_SCHEMA})
 * @throws `UnknownColumnError` when a column is not in the input
 * @throws `NonNumericColumnError` at the first non-numeric value, with its row
 * @throws `ParseError` from the reader
 */
export async function computeStats(source: TableSource, params: StatsParams): Promise<StatsResult> {
  const header = await source.header();
  if (header) assertColumnsExist(params.columns, header);
  const accumulators = params.columns.map((name) => new ColumnStats(name));
  const seen = new ColumnUnion();
  let rowsIn = 0;
  for await (const batch of source.batches()) {
    foldBatch(batch, accumulators);
    if (!header) seen.add(batch);
    rowsIn += batch.table.numRows();
  }
  if (!header) assertColumnsExist(params.columns, seen.names);
  const ddof = params.ddof ?? 1;
  return { rows: accumulators.map((acc) => acc.row(ddof)), rowsIn };
}

function foldBatch(batch: Batch, accumulators: readonly ColumnStats[]): void {
  const rows = batch.table.numRows();
  for (const acc of accumulators) acc.fold(columnValues(batch, acc.name), rows, batch.firstRow);
}
