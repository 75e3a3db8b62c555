/**
 * XML into DuckDB: the records streamed by the XML reader are appended, in
 * bounded batches, to a temporary table of text columns.
 *
 * @module
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { stat } from 'node:fs/promises';
import { openXmlSource } from '../../readers/xml.js';
import type { Scalar } from '../../types.js';
import { quoteIdent } from '../sql.js';

/** Options of {@link loadXmlTable}. */
export interface XmlLoadOptions {
  /** Tag of the record elements; default: the repeated children of the root. */
  readonly recordTag?: string;
  /** Called with bytes consumed and the file's size. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/**
 * Streams an XML file into a new temporary table `table` of VARCHAR columns
 * (the records' fields in first-seen order), rows in document order. Cells
 * are raw text; empty and missing elements are NULL.
 *
 * @returns the columns and the number of rows
 * @throws `ParseError` for a document that is not well formed or breaks a limit
 */
export async function loadXmlTable(
  connection: DuckDBConnection,
  file: string,
  table: string,
  options: XmlLoadOptions,
): Promise<{ columns: string[]; rows: number }> {
  const total = (await stat(file)).size;
  const source = openXmlSource(file, {
    ...(options.recordTag !== undefined && { record_tag: options.recordTag }),
    null_values: [],
  });
  const columns: string[] = [];
  let rows = 0;
  // The row number column lets a table exist before the first field is known.
  await connection.run(`CREATE TEMP TABLE ${quoteIdent(table)} (__df_row BIGINT)`);
  for await (const batch of source.batches()) {
    const names = batch.table.columnNames();
    for (const name of names) {
      if (!columns.includes(name)) {
        columns.push(name);
        await connection.run(`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(name)} VARCHAR`);
      }
    }
    const appender = await connection.createAppender(table);
    const cells = columns.map((name) => batch.table.column(name) as unknown as readonly Scalar[] | undefined);
    const n = batch.table.numRows();
    for (let r = 0; r < n; r++) {
      appender.appendBigInt(BigInt(rows + r));
      for (const col of cells) {
        const v = col?.[r] ?? null;
        if (v === null || v === '') appender.appendNull();
        else appender.appendVarchar(String(v));
      }
      appender.endRow();
    }
    appender.closeSync();
    rows += n;
    options.onProgress?.(Math.min(total, Math.round((rows / Math.max(rows, 1)) * total)), total);
  }
  return { columns, rows };
}
