/**
 * XML output of a DuckDB query result, streamed chunk by chunk through the
 * XML writer.
 *
 * @module
 */
import type { DuckDBResult } from '@duckdb/node-api';
import * as aq from 'arquero';
import type { ByteSink, ColumnSpec, Scalar } from '../../types.js';
import { XmlWriter } from '../../writers/xml.js';

function scalar(v: unknown): Scalar {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  return String(v);
}

/**
 * Writes a query result as `<rows><row>…</row></rows>`.
 *
 * @returns the rows written
 */
export async function writeXmlResult(result: DuckDBResult, sink: ByteSink): Promise<{ rows: number }> {
  const names = result.columnNames();
  const schema: ColumnSpec[] = names.map((name) => ({ name, type: 'string' }));
  const writer = new XmlWriter(sink, schema);
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    const columns = chunk.getColumns();
    const data: Record<string, Scalar[]> = {};
    names.forEach((name, i) => (data[name] = columns[i]!.map(scalar)));
    await writer.write(aq.table(data));
    rows += chunk.rowCount;
  }
  await writer.close();
  return { rows };
}
