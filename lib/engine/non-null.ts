/**
 * `non_null`: the rows where every listed column is non-null (`how: any`:
 * at least one), with all input columns in input order, rows in input
 * order. CSV to CSV copies the kept cells verbatim; any other pair first
 * types every text column over the whole input, then writes typed cells.
 *
 * @module
 */
import type { OutputFormat } from '../types.js';
import type { SourceColumn } from './columns.js';
import type { OutColumn, ResultQuery } from './output.js';
import type { JobRunner } from './runner.js';
import type { Source } from './source.js';
import { typeCounters, typed, typeFromCounts } from './typing.js';

/** Parameters of `non_null`. */
export interface NonNullParams {
  readonly columns: readonly SourceColumn[];
  readonly how: 'all' | 'any';
}

/** The output query of `non_null` and the rows read. */
export interface NonNullPlan {
  readonly query: ResultQuery;
  readonly rowsIn: number;
}

/** Whether the output copies text cells as they are (CSV or TSV into CSV). */
export function copiesVerbatim(source: Source, output: OutputFormat): boolean {
  return (source.format === 'csv' || source.format === 'tsv') && output === 'csv';
}

/**
 * Types the columns when needed, counts the input rows, and describes the
 * output query.
 */
export async function planNonNull(
  runner: JobRunner,
  source: Source,
  params: NonNullParams,
  output: OutputFormat,
): Promise<NonNullPlan> {
  const verbatim = copiesVerbatim(source, output);
  const text = verbatim ? [] : source.columns.filter((c) => c.kind === 'text');
  let rowsIn = source.rowCount;
  const types = new Map<string, ReturnType<typeof typeFromCounts>>();
  if (text.length > 0 || rowsIn === undefined) {
    const aggs = ['count(*)', ...text.flatMap((c) => typeCounters(c.expr))];
    const row = (
      await runner.rows(`SELECT ${aggs.join(', ')} FROM ${source.from}`, source.params.clone())
    )[0]!.map(Number);
    rowsIn = row[0] ?? 0;
    text.forEach((c, i) =>
      types.set(c.name, typeFromCounts(row[1 + 3 * i]!, row[2 + 3 * i]!, row[3 + 3 * i]!)),
    );
    runner.passDone();
  }
  const columns: OutColumn[] = source.columns.map((c) => {
    if (verbatim) return { name: c.name, expr: c.expr, double: false };
    const t = typed(c, types.get(c.name));
    return { name: c.name, expr: t.expr, double: t.type === 'number' && !t.exact };
  });
  const tests = params.columns.map((c) => `(${c.expr}) IS NOT NULL`);
  return {
    query: {
      columns,
      from: source.from,
      where: tests.join(params.how === 'all' ? ' AND ' : ' OR '),
      params: source.params,
    },
    rowsIn: rowsIn ?? 0,
  };
}
