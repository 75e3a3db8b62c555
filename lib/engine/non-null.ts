/**
 * `non_null`: the rows where every listed column is non-null (`how: any`:
 * at least one), with all input columns in input order, rows in input
 * order. CSV to CSV copies the kept cells verbatim; any other pair writes
 * typed cells. The types of text columns are guessed from the first rows and
 * checked on every cell by the writing query itself, which fails on a
 * contradiction; the caller then types the whole input in a pass of its own
 * and writes again. The input's rows are counted by the writing query when
 * the source does not know them (JSON, NDJSON, CSV), not by a pass of their own.
 *
 * @module
 */
import type { OutputFormat } from '../types.js';
import type { SourceColumn } from './columns.js';
import type { OutColumn, ResultQuery } from './output.js';
import { RowCounter } from './row-counter.js';
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
  /** Rows read; call after the query has run (it may be what counts them). */
  rowsIn(): Promise<number>;
  /**
   * Some column types were guessed from a sample: the query fails with {@link TYPE_GUESS_FAILED}
   * on a cell that contradicts its guess, and is then planned again without guessing.
   */
  readonly guessed: boolean;
}

/** Text of the error a guessed plan's query raises on a cell that contradicts its column's guess. */
export const TYPE_GUESS_FAILED = 'df_type_guess_failed';

/** Rows whose cells guess the types of the text columns. */
export const TYPE_SAMPLE_ROWS = 2048;

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
  guess = true,
): Promise<NonNullPlan> {
  const verbatim = copiesVerbatim(source, output);
  const text = verbatim ? [] : source.columns.filter((c) => c.kind === 'text');
  let rowsIn = source.rowCount;
  let counter: RowCounter | undefined;
  const types = new Map<string, ReturnType<typeof typeFromCounts>>();
  /** Columns whose guessed type every cell is checked against. */
  const guessed = new Set<string>();
  if (guess || text.length === 0) {
    // No pass before the output query: the types are guessed from a sample and the output query
    // checks every cell against its guess. A sample that has a value neither numeric nor boolean
    // proves the column is text; only number and boolean guesses need the check.
    if (text.length > 0) {
      const aggs = text.flatMap((c) => typeCounters(c.expr));
      const row = (
        await runner.rows(
          `SELECT ${aggs.join(', ')} FROM (SELECT * FROM ${source.from} LIMIT ${TYPE_SAMPLE_ROWS})`,
          source.params.clone(),
        )
      )[0]!.map(Number);
      text.forEach((c, i) => {
        const type = typeFromCounts(row[3 * i]!, row[1 + 3 * i]!, row[2 + 3 * i]!);
        types.set(c.name, type);
        if (type === 'number' || type === 'boolean') guessed.add(c.name);
      });
    }
    // The rows are counted by the output query as it reads them.
    if (rowsIn === undefined) counter = await RowCounter.create(runner);
  } else {
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
  const typedColumns = source.columns.map((c) => typed(c, verbatim ? 'string' : types.get(c.name)));
  let from = source.from;
  let raw = (i: number): string => source.columns[i]!.expr;
  let value = (i: number): string => typedColumns[i]!.expr;
  const checks: string[] = [];
  if (guessed.size > 0) {
    // Each cell is read and typed once, in a subquery whose values the checks, the filter and the
    // output share: DuckDB shares no expression between WHERE and the select list, so typed in each
    // of them a cell would be converted twice.
    const inner = source.columns.flatMap((c, i) =>
      typedColumns[i]!.expr === c.expr
        ? [`${c.expr} AS r${i}`]
        : [`${c.expr} AS r${i}`, `${typedColumns[i]!.expr} AS v${i}`],
    );
    from = `(SELECT ${inner.join(', ')} FROM ${source.from})`;
    raw = (i) => `r${i}`;
    value = (i) => (typedColumns[i]!.expr === source.columns[i]!.expr ? `r${i}` : `v${i}`);
    source.columns.forEach((c, i) => {
      if (guessed.has(c.name)) checks.push(`(r${i} IS NOT NULL AND v${i} IS NULL)`);
    });
  }
  const columns: OutColumn[] = source.columns.map((c, i) => {
    const t = typedColumns[i]!;
    return { name: c.name, expr: value(i), double: !verbatim && t.type === 'number' && !t.exact };
  });
  const index = new Map(source.columns.map((c, i) => [c.name, i] as const));
  const tests = params.columns
    .map((c) => `(${raw(index.get(c.name)!)}) IS NOT NULL`)
    .join(params.how === 'all' ? ' AND ' : ' OR ');
  // One CASE, so that the counter and the checks run on every row, the rows the filter drops
  // included (DuckDB would reorder the terms of an AND and skip them).
  const whens = [
    ...(counter !== undefined ? [`WHEN ${counter.tick} THEN NULL`] : []),
    ...(checks.length > 0 ? [`WHEN ${checks.join(' OR ')} THEN error('${TYPE_GUESS_FAILED}')`] : []),
  ];
  const where = whens.length === 0 ? tests : `CASE ${whens.join(' ')} ELSE ${tests} END`;
  const known = rowsIn ?? 0;
  return {
    query: { columns, from, where, params: source.params },
    rowsIn: async () => (counter !== undefined ? counter.count() : known),
    guessed: checks.length > 0,
  };
}
