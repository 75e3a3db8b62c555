/**
 * Finding the value to show in an error: the first non-numeric cell of a
 * column, with its data row number, looked for only once a pass has found
 * that one exists.
 *
 * @module
 */
import { NonNumericColumnError } from '../errors.js';
import type { SourceColumn } from './columns.js';
import type { JobRunner } from './runner.js';
import type { Source } from './source.js';
import { asNumber } from './typing.js';

/** The first value of `column` that is not a number, and its 1-based data row. */
export async function findNonNumeric(
  runner: JobRunner,
  source: Source,
  column: SourceColumn,
): Promise<{ value: string; row: number | undefined }> {
  const test = column.kind === 'text' ? `${asNumber('v')} IS NULL` : 'true';
  const rows = await runner.rows(
    `SELECT CAST(v AS VARCHAR), r FROM (SELECT ${column.expr} AS v, row_number() OVER () AS r FROM ${source.from})
     WHERE v IS NOT NULL AND ${test} ORDER BY r LIMIT 1`,
    source.params.clone(),
  );
  const row = rows[0];
  return { value: String(row?.[0] ?? ''), row: row?.[1] === undefined ? undefined : Number(row[1]) };
}

/**
 * The error for a column that is not numeric, naming its first non-numeric value and row.
 *
 * @returns a `NonNumericColumnError`, for the caller to throw
 */
export async function nonNumericError(
  runner: JobRunner,
  source: Source,
  column: SourceColumn,
): Promise<NonNumericColumnError> {
  const found = await findNonNumeric(runner, source, column);
  return new NonNumericColumnError(
    column.name,
    found.value,
    found.row === undefined ? undefined : `row ${found.row}`,
  );
}
