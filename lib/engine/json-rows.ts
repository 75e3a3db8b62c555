/**
 * JSON and NDJSON output rendered in SQL: each result row becomes its JSON
 * object's text in one `concat`, and DuckDB's CSV writer, unquoted, writes
 * the lines. DuckDB's own JSON writer is that same CSV writer over
 * `to_json` of each row's struct, so the bytes are the same; what this
 * saves is the number cells: there a DOUBLE, once given its JavaScript text,
 * had to be cast to JSON (parsed and printed again) for each cell, which
 * cost more than reading the cell.
 *
 * @module
 */
import type { OutputFormat } from '../types.js';
import type { OutColumn } from './output.js';
import type { Params } from './sql.js';

/** Widest result rendered in SQL; a wider one goes through DuckDB's JSON writer. */
export const JSON_SQL_MAX_COLUMNS = 1000;

/**
 * `COPY` options that write the rows of {@link jsonRowsSql} as DuckDB's JSON
 * writer lays them out: one object a line (NDJSON), or an array with a tab
 * before each object and a comma after each but the last (JSON).
 */
export function jsonRowsCopy(format: OutputFormat): string {
  const plain = `FORMAT csv, HEADER false, QUOTE '', ESCAPE ''`;
  return format === 'ndjson'
    ? `${plain}, NEW_LINE '\\n'`
    : `${plain}, NEW_LINE ',\n\t', PREFIX '[\n\t', SUFFIX '\n]\n'`;
}

/** Whether {@link jsonRowsSql} renders a result of these columns in this format. */
export function rendersJsonRows(format: OutputFormat, columns: readonly OutColumn[]): boolean {
  return (
    (format === 'json' || format === 'ndjson') && columns.length > 0 && columns.length <= JSON_SQL_MAX_COLUMNS
  );
}

/**
 * The SQL of one VARCHAR per row, the row's JSON object as DuckDB's JSON
 * writer prints it: keys as `to_json` quotes them, DOUBLE cells
 * (`OutColumn.double`) as `df_jsonnum` prints them, any other cell as its
 * `to_json`, a null as `null`.
 *
 * @param columns - the output columns, in order
 * @param params - the statement's parameters: the column names are added to them
 */
export function jsonRowsSql(columns: readonly OutColumn[], params: Params): string {
  const parts = columns.map((c, j) => {
    const cell = c.double ? `df_jsonnum(${c.expr})` : `CAST(to_json(${c.expr}) AS VARCHAR)`;
    const key = `CAST(to_json(${params.text(c.name)}) AS VARCHAR)`;
    return `${j === 0 ? "'{'" : "','"}, ${key}, ':', coalesce(${cell}, 'null')`;
  });
  return `concat(${parts.join(', ')}, '}')`;
}
