/**
 * XML output of a DuckDB query result, streamed chunk by chunk:
 * `<?xml …?>`, a `<rows>` root, one `<row>` per record on its own line, each
 * non-null cell an element named after its column.
 *
 * @module
 */
import type { DuckDBResult } from '@duckdb/node-api';
import type { ByteSink } from '../../types.js';
import { xmlNames } from './names.js';
import { cellText } from './cell-text.js';
import { xmlText } from './xml-text.js';

/** Header of every XML output, up to the opening root tag. */
export const XML_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n<rows>\n';
/** Trailer of every XML output. */
export const XML_EPILOG = '</rows>\n';
/** Characters gathered before they are handed to the sink. */
const EMIT_AT = 1 << 20;

/**
 * Writes a query result as XML to `sink`, one result chunk at a time (memory
 * holds one chunk and about 1 MiB of text). Column names become valid,
 * distinct XML names ({@link xmlNames}); null cells (and non-finite numbers)
 * are omitted, an empty string is an empty element; text is escaped by
 * {@link xmlText}; values are written by {@link cellText} (integers and
 * decimals exact, doubles shortest round-trip, dates and timestamps ISO 8601).
 *
 * @param result - a streaming or materialized result, read to its end
 * @param sink - where the bytes go (its backpressure is awaited)
 * @returns the number of rows written
 * @throws whatever the sink or DuckDB throws while fetching (a failed or interrupted query)
 */
export async function writeXmlResult(result: DuckDBResult, sink: ByteSink): Promise<{ rows: number }> {
  const names = xmlNames(result.columnNames());
  const open = names.map((n) => `<${n}>`);
  const close = names.map((n) => `</${n}>`);
  // Records are encoded into a buffer one by one: a long concatenated string would be flattened,
  // then encoded, at the cost of a copy of every byte and much garbage.
  let out = Buffer.allocUnsafe(EMIT_AT + 4096);
  let used = out.write(XML_PROLOG, 0);
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    const columns = chunk.getColumns();
    const count = chunk.rowCount;
    for (let i = 0; i < count; i++) {
      let record = '<row>';
      for (let j = 0; j < columns.length; j++) {
        const cell = cellText(columns[j]![i]!);
        if (cell !== null) record += open[j]! + xmlText(cell) + close[j]!;
      }
      record += '</row>\n';
      // At most 3 bytes per UTF-16 unit.
      if (used + 3 * record.length > out.length) {
        if (used > 0) await sink.write(out.subarray(0, used));
        out = Buffer.allocUnsafe(Math.max(EMIT_AT + 4096, 3 * record.length));
        used = 0;
      }
      used += out.write(record, used);
    }
    rows += count;
  }
  if (used > 0) await sink.write(out.subarray(0, used));
  await sink.write(XML_EPILOG);
  return { rows };
}
