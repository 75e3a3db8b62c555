/**
 * The first rows of a result file as a JSON table, `{"columns", "rows"}`,
 * whatever its format: the file is opened through the storage like any
 * input (one descriptor, the caller's scope) and read by the engine's own
 * sources, with the row limit pushed into the read: DuckDB's CSV, JSON and
 * Parquet readers stop at the limit, and XML is loaded only up to it.
 * Values follow `lib/engine/preview-values.ts`.
 *
 * @module
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { PreviewTooLargeError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import type { OutputFormat } from '../types.js';
import type { SourceColumn } from './columns.js';
import { connectTo } from './database.js';
import { fromDuckDbError } from './duckdb-errors.js';
import { jsonColumn, type PreviewCell, type PreviewKind } from './preview-values.js';
import { openSource, type Source } from './source.js';

/** Most rows a preview may ask for. */
export const MAX_PREVIEW_ROWS = 1000;

/** A preview: column names in file order, and rows of JSON-safe cells in the same order. */
export interface Preview {
  readonly columns: string[];
  readonly rows: PreviewCell[][];
}

/** SQL of a column's cell as text, and how its texts become JSON values. */
function asText(column: SourceColumn): { sql: string; kind: PreviewKind } {
  if (column.kind === 'text' || column.kind === 'string') return { sql: column.expr, kind: column.kind };
  if (column.kind === 'boolean') return { sql: `CAST(${column.expr} AS VARCHAR)`, kind: 'boolean' };
  // Exact numbers keep every digit as text; doubles print their shortest round-trip form, NULL when
  // NaN or infinite (df_numtext), as the text formats write them.
  return {
    sql: column.exact === true ? `CAST(${column.expr} AS VARCHAR)` : `df_numtext(${column.expr})`,
    kind: 'number',
  };
}

/**
 * The first `limit` rows of `source` as text, failing as soon as their text alone exceeds `maxBytes`
 * (the JSON answer is never shorter than its cells' text).
 */
async function firstRows(
  connection: DuckDBConnection,
  source: Source,
  sql: readonly string[],
  limit: number,
  tooLarge: () => Error,
  maxBytes: number,
): Promise<(string | null)[][]> {
  const params = source.params.clone();
  const select = sql.map((s, i) => `${s} AS c${i}`).join(', ');
  const query = `SELECT ${select} FROM ${source.from} LIMIT ${limit}`;
  const { values, types } = params.bindingsFor(query);
  const result = await connection.stream(query, values, types);
  const rows: (string | null)[][] = [];
  let bytes = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    for (const row of chunk.getRows()) {
      const cells = row.map((cell) => (cell === null ? null : String(cell)));
      for (const cell of cells) bytes += cell?.length ?? 0;
      if (bytes > maxBytes) throw tooLarge();
      rows.push(cells);
    }
  }
  return rows;
}

/**
 * The first `limit` rows of the result file `output`, as a JSON table.
 *
 * @param storage - the storage in the scope of the job's submitter
 * @param output - the result's storage path
 * @param format - the result's format
 * @param limit - rows to show, 1 to {@link MAX_PREVIEW_ROWS} (checked by the caller)
 * @param maxBytes - the largest answer, as JSON text
 * @returns the columns and the rows (fewer than `limit` when the file has fewer)
 * @throws `PreviewTooLargeError` when the rows do not fit in `maxBytes`
 * @throws `InputNotFoundError`, `InvalidPathError`, `StorageError` when the file cannot be opened
 * @throws `ParseError` when the file is not readable as its format
 *
 * @example
 * ```ts
 * const preview = await previewResult(storage.forUser('alice'), 'results/s.csv', 'csv', 3, 6 * 2 ** 20);
 * // { columns: ['column', 'count', 'mean', …], rows: [['amount', 4, 12.5, …]] }
 * ```
 */
export async function previewResult(
  storage: Storage,
  output: string,
  format: OutputFormat,
  limit: number,
  maxBytes: number,
): Promise<Preview> {
  const tooLarge = () => new PreviewTooLargeError(output, limit, maxBytes);
  // Opened once: DuckDB and the XML loader read this descriptor's path, never the name again.
  const input = await storage.openInput(output);
  let connection: DuckDBConnection | undefined;
  let source: Source | undefined;
  try {
    connection = await connectTo(await storage.realRoot());
    // The file is the service's own output: only the empty field is null (CSV writes nulls so), no
    // column is read as a number on a guess, JSON's columns are those of its first `limit` records
    // (`wanted: []`: no pass over the whole file for other keys), and XML loads `limit` records.
    source = await openSource(connection, input.path, format, {
      null_values: [],
      wanted: [],
      maxRows: limit,
    });
    const columns = source.columns.map(asText);
    const text = await firstRows(
      connection,
      source,
      columns.map((c) => c.sql),
      limit,
      tooLarge,
      maxBytes,
    );
    const json = columns.map((c, i) =>
      jsonColumn(
        c.kind,
        text.map((row) => row[i] ?? null),
      ),
    );
    const preview: Preview = {
      columns: source.columns.map((c) => c.name),
      rows: text.map((_, r) => json.map((column) => column[r] ?? null)),
    };
    if (Buffer.byteLength(JSON.stringify(preview)) > maxBytes) throw tooLarge();
    return preview;
  } catch (err) {
    throw fromDuckDbError(err, false, format);
  } finally {
    await source?.close().catch(() => undefined);
    connection?.closeSync();
    await input.close();
  }
}
