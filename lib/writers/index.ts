/**
 * The writers of the engine's output formats, behind one factory.
 *
 * @module
 */
import { UnsupportedFormatError } from '../errors.js';
import {
  OUTPUT_FORMATS,
  type ByteSink,
  type ColumnSpec,
  type OutputFormat,
  type TableWriter,
} from '../types.js';
import { CsvWriter } from './csv.js';
import { JsonWriter } from './json.js';
import { ParquetTableWriter } from './parquet.js';
import { XmlWriter } from './xml.js';

export { CsvWriter, csvField } from './csv.js';
export { JsonWriter, type JsonLayout } from './json.js';
export { ParquetTableWriter, parquetSchema, ROW_GROUP_SIZE } from './parquet.js';
export { XmlWriter, xmlText } from './xml.js';
export { xmlName, xmlNames } from './xml-names.js';
export { numberText } from './scalar-text.js';

/**
 * Creates the writer of `format` over `sink` for a table of columns
 * `schema`. Each batch given to `write` may be a plain, filtered or ordered
 * arquero table; its columns are found by name, cells are coerced to the
 * schema types, and a column missing from a batch is written as nulls.
 *
 * Formats (details on each class):
 * - `csv` ({@link CsvWriter}): header, RFC 4180 quoting, `\n`, null as an empty field;
 * - `json` / `ndjson` ({@link JsonWriter}): array of objects / one object per line;
 * - `xml` ({@link XmlWriter}): `<rows><row><col>…</col></row></rows>`, null elements omitted;
 * - `parquet` ({@link ParquetTableWriter}): DOUBLE / BOOLEAN / UTF-8 columns, all OPTIONAL, snappy.
 *
 * @param format - the output format
 * @param sink - where the bytes go, e.g. the sink of `Storage.writeAtomic`
 * @param schema - the output columns, in order, with their types
 * @returns a writer; call `write` per batch, then `close` once
 * @throws `UnsupportedFormatError` when `format` is not an output format
 * @example
 * ```ts
 * await storage.writeAtomic('out/result.csv', async (sink) => {
 *   const writer = createWriter('csv', sink, [{ name: 'id', type: 'number' }]);
 *   for await (const batch of batches) await writer.write(batch);
 *   await writer.close();
 * });
 * ```
 */
export function createWriter(
  format: OutputFormat,
  sink: ByteSink,
  schema: readonly ColumnSpec[],
): TableWriter {
  switch (format) {
    case 'csv':
      return new CsvWriter(sink, schema);
    case 'json':
      return new JsonWriter(sink, schema, 'array');
    case 'ndjson':
      return new JsonWriter(sink, schema, 'lines');
    case 'xml':
      return new XmlWriter(sink, schema);
    case 'parquet':
      return new ParquetTableWriter(sink, schema);
    default:
      throw new UnsupportedFormatError(String(format satisfies never), OUTPUT_FORMATS);
  }
}
