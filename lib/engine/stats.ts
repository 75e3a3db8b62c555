/**
 * `stats`: one output row per requested column, in request order — `column`,
 * `count` (non-null values), `nulls`, `mean`, `variance`, `std`, `min`,
 * `max` — from one pass over the input that also checks every value is a
 * number.
 *
 * @module
 */
import type { OutColumn } from './output.js';
import type { JobRunner } from './runner.js';
import type { Source } from './source.js';
import { Params, quoteIdent } from './sql.js';
import { asNumber } from './typing.js';
import type { SourceColumn } from './columns.js';
import { nonNumericError } from './examples.js';

/** Parameters of `stats`. */
export interface StatsParams {
  readonly columns: readonly SourceColumn[];
  /** Delta degrees of freedom of variance and std. */
  readonly ddof: 0 | 1;
}

/** The aggregated row, kept in a temporary table for the output query (or computed by it). */
export interface StatsTable {
  readonly table: string;
  readonly rowsIn: number;
  /**
   * The aggregation, when it was not run: nothing had to be read before the output, which computes
   * it as it is written (a materialized CTE named as the table). Its parameters are the source's.
   */
  readonly query?: string;
}

const STAT_FIELDS = ['count', 'nulls', 'mean', 'variance', 'std', 'min', 'max'] as const;

let tables = 0;

/**
 * Computes the statistics into a one-row temporary table.
 *
 * @throws `NonNumericColumnError` naming the first column with a value that is not a number
 */
export async function computeStats(
  runner: JobRunner,
  source: Source,
  params: StatsParams,
): Promise<StatsTable> {
  const table = `df_stats_${process.pid}_${++tables}`;
  const inner: string[] = [];
  const aggs: string[] = ['count(*) AS rows_in'];
  params.columns.forEach((col, i) => {
    const raw = `r${i}`;
    const num = `n${i}`;
    const numeric = col.kind === 'text' ? asNumber(col.expr) : col.kind === 'number' ? col.expr : 'NULL';
    inner.push(`${col.expr} AS ${raw}`, `${numeric} AS ${num}`);
    const v = params.ddof === 1 ? 'samp' : 'pop';
    aggs.push(
      `count(${num}) AS count_${i}`,
      `count(*) - count(${raw}) AS nulls_${i}`,
      `avg(${num}) AS mean_${i}`,
      `var_${v}(${num}) AS variance_${i}`,
      `stddev_${v}(${num}) AS std_${i}`,
      `min(${num}) AS min_${i}`,
      `max(${num}) AS max_${i}`,
      `count(${raw}) - count(${num}) AS bad_${i}`,
    );
  });
  const aggregation = `SELECT ${aggs.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${source.from})`;
  if (source.rowCount !== undefined && params.columns.every((c) => c.kind === 'number')) {
    // Columns typed as numbers by the file have no cell that is not one, and the source knows its
    // rows (a Parquet footer, checked): nothing is read before the output, which aggregates as it
    // is written instead of reading a table aggregated first.
    return { table, rowsIn: source.rowCount, query: aggregation };
  }
  await runner.run(`CREATE TEMP TABLE ${quoteIdent(table)} AS ${aggregation}`, source.params.clone());
  runner.passDone();
  const check = await runner.rows(
    `SELECT rows_in, ${params.columns.map((_, i) => `bad_${i}`).join(', ')} FROM ${quoteIdent(table)}`,
    new Params(),
  );
  const [rowsIn, ...bad] = check[0]!.map(Number);
  const first = bad.findIndex((b) => b > 0);
  if (first >= 0) {
    const column = params.columns[first]!;
    throw await nonNumericError(runner, source, column);
  }
  return { table, rowsIn: rowsIn ?? 0 };
}

/**
 * The output query of `stats`: a row per column from the one-row table.
 *
 * @param stats - the one-row table of {@link computeStats}
 * @param columns - the requested columns, in request order
 * @param bind - binds a column's name as a statement parameter
 */
export function statsOutput(
  stats: StatsTable,
  columns: readonly SourceColumn[],
  bind: (name: string) => string,
): {
  from: string;
  columns: OutColumn[];
} {
  const allExact = columns.every((c) => c.kind === 'number' && c.exact === true);
  const rows = columns.map(
    (col, i) =>
      `SELECT ${i} AS o, ${bind(col.name)} AS "column", ` +
      STAT_FIELDS.map((f) => {
        const cast = (f === 'min' || f === 'max') && !allExact ? `CAST(${f}_${i} AS DOUBLE)` : `${f}_${i}`;
        return `${cast} AS ${f}`;
      }).join(', ') +
      ` FROM ${quoteIdent(stats.table)}`,
  );
  const double = (f: string): boolean =>
    f === 'mean' || f === 'variance' || f === 'std' || ((f === 'min' || f === 'max') && !allExact);
  return {
    from:
      stats.query === undefined
        ? `(${rows.join(' UNION ALL ')} ORDER BY o)`
        : `(WITH ${quoteIdent(stats.table)} AS MATERIALIZED (${stats.query}) ${rows.join(' UNION ALL ')} ORDER BY o)`,
    columns: [
      { name: 'column', expr: '"column"', double: false },
      ...STAT_FIELDS.map((f) => ({ name: f, expr: quoteIdent(f), double: double(f) })),
    ],
  };
}
