/**
 * The benchmark's operations in nodejs-polars: how polars reads each input
 * copy, computes each case and writes a `non_null` result in the format the
 * engine writes for that input. Used by the `run-polars.ts` child process,
 * whose thread count `POLARS_MAX_THREADS` fixes for its whole life.
 */
import pl, { type DataFrame, type Expr, type LazyDataFrame } from 'nodejs-polars';
import type { BenchFormat } from './generate-data.js';

/** The input copies polars can read: every one but XML, for which polars has no reader. */
export type PolarsFormat = Exclude<BenchFormat, 'xml'>;

/** Whether polars has a reader for a benchmark format (XML: none). */
export function polarsReads(format: BenchFormat): format is PolarsFormat {
  return format !== 'xml';
}

/**
 * A lazy scan of one input copy. The JSON array has no lazy reader in
 * nodejs-polars: it is read eagerly, then made lazy, so its figure includes
 * the whole parse as the engine's does.
 */
export function scan(format: PolarsFormat, file: string): LazyDataFrame {
  switch (format) {
    case 'csv':
      return pl.scanCSV(file);
    case 'parquet-snappy':
    case 'parquet-zstd':
      return pl.scanParquet(file);
    case 'json':
      return pl.readJSON(file, { format: 'json' }).lazy();
    case 'ndjson':
      return pl.scanJson(file);
  }
}

/**
 * Writes a `non_null` result as the engine does for this input: CSV, Parquet
 * (polars' default zstd), a JSON array or NDJSON. Streams where polars has a
 * sink; the JSON array has none, so it is collected, then written.
 */
export function writeResult(format: PolarsFormat, frame: LazyDataFrame, out: string): void {
  switch (format) {
    case 'csv':
      frame.sinkCSV(out).collectSync();
      return;
    case 'parquet-snappy':
    case 'parquet-zstd':
      frame.sinkParquet(out).collectSync();
      return;
    case 'json':
      frame.collectSync().writeJSON(out, { format: 'json' });
      return;
    case 'ndjson':
      frame.sinkNdJson(out).collectSync();
      return;
  }
}

/** Rows written by {@link writeResult}, counted by reading the file back (outside the timing). */
export function countWritten(format: PolarsFormat, out: string): number {
  const counted = (f: LazyDataFrame): number =>
    Number(f.select(pl.len().alias('n')).collectSync().getColumn('n')[0]);
  switch (format) {
    case 'csv':
      return counted(pl.scanCSV(out));
    case 'parquet-snappy':
    case 'parquet-zstd':
      return counted(pl.scanParquet(out));
    case 'json':
      return pl.readJSON(out, { format: 'json' }).height;
    case 'ndjson':
      return counted(pl.scanJson(out));
  }
}

const STATS_COLUMNS = ['int', 'float'] as const;
const STATS = ['count', 'nulls', 'mean', 'variance', 'std', 'min', 'max'] as const;

function statsExprs(column: string): Expr[] {
  const c = pl.col(column);
  const parts: Record<(typeof STATS)[number], Expr> = {
    count: c.count(),
    nulls: c.nullCount(),
    mean: c.mean(),
    variance: c.var(),
    std: c.std(),
    min: c.min(),
    max: c.max(),
  };
  return STATS.map((s) => parts[s].alias(`${column}:${s}`));
}

/** One wide row of every column's statistics, in one pass, reshaped to DuckDB's one row per column. */
function statsRows(frame: DataFrame): Record<string, unknown>[] {
  const wide = frame.toRecords()[0] ?? {};
  return STATS_COLUMNS.map((column) => ({
    column,
    ...Object.fromEntries(STATS.map((s) => [s, wide[`${column}:${s}`]])),
  }));
}

const byKeys = (frame: LazyDataFrame, keys: string[]): LazyDataFrame =>
  frame.sort(
    keys,
    keys.map(() => false),
    keys.map(() => true),
  );

/** The aggregating cases: the same columns, names and order as the DuckDB SQL of `cases.ts`. */
const QUERIES: Record<string, (f: LazyDataFrame) => LazyDataFrame> = {
  stats: (f) => f.select(...STATS_COLUMNS.flatMap(statsExprs)),
  group_by_cat1000: (f) =>
    byKeys(
      f
        .groupBy('cat1000')
        .agg(
          pl.len().alias('count'),
          pl.col('float').mean().alias('float_mean'),
          pl.col('float').sum().alias('float_sum'),
          pl.col('float').min().alias('float_min'),
          pl.col('float').max().alias('float_max'),
          pl.col('int').count().alias('int_count'),
        ),
      ['cat1000'],
    ),
  group_by_cat10_bool: (f) =>
    byKeys(
      f
        .groupBy(['cat10', 'bool'])
        .agg(
          pl.len().alias('count'),
          pl.col('float').mean().alias('float_mean'),
          pl.col('float').std().alias('float_std'),
        ),
      ['cat10', 'bool'],
    ),
  group_by_id: (f) =>
    byKeys(f.groupBy('id').agg(pl.len().alias('count'), pl.col('float').mean().alias('float_mean')), ['id']),
};

/** What one polars run produced. */
export interface PolarsOutcome {
  /** Aggregated rows (empty for `non_null`), numbers as JS numbers. */
  readonly rows: Record<string, unknown>[];
  /** Rows of the result: aggregated rows, or rows written by `non_null`. */
  readonly rows_out: number;
}

/**
 * Runs one case on one input copy. `non_null` writes `out`; the others
 * collect their (small) answer. Only the computation is in `timed`; turning
 * the answer into JS values and counting written rows are not.
 *
 * @throws Error for an unknown case id
 */
export function runCase(
  id: string,
  format: PolarsFormat,
  file: string,
  out: string,
  timed: (work: () => void) => void,
): PolarsOutcome {
  if (id === 'non_null') {
    timed(() =>
      writeResult(
        format,
        scan(format, file).filter(pl.col('int').isNotNull().and(pl.col('float').isNotNull())),
        out,
      ),
    );
    return { rows: [], rows_out: countWritten(format, out) };
  }
  const query = QUERIES[id];
  if (query === undefined) throw new Error(`no polars query for case ${id}`);
  let frame: DataFrame | undefined;
  timed(() => {
    frame = query(scan(format, file)).collectSync();
  });
  const rows = id === 'stats' ? statsRows(frame!) : frame!.toRecords();
  const plain = rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );
  return { rows: plain, rows_out: plain.length };
}
