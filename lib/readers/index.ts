/**
 * The readers' registry: the reader of each format behind one factory.
 * Which format a path is comes from `lib/input-format.ts` (pure, shared with
 * the request schema), re-exported here for the engine.
 *
 * @module
 */
import type { InputFormat, ReadOptions, TableSource } from '../types.js';
import { openCsvSource } from './csv.js';
import { openJsonSource } from './json.js';
import { openNdjsonSource } from './ndjson.js';
import { openParquetSource } from './parquet.js';
import { openXmlSource } from './xml.js';

export { formatFromPath, INPUT_EXTENSIONS } from '../input-format.js';

/**
 * Opens an input file with the reader of its format. Nothing is read until
 * the source's `header()` or `batches()` is called.
 *
 * @param file - absolute host path, already checked by the storage
 * @param format - the input format (`tsv` is CSV whose delimiter defaults to a tab)
 * @param options - read options, passed to the reader
 * @returns the source
 * @throws `InvalidRequestError` when an option is unusable (e.g. a multi-character delimiter)
 *
 * @example
 * ```ts
 * const source = openSource(await storage.resolveExisting('in/sales.tsv'), 'tsv', {});
 * const columns = await source.header();
 * ```
 */
export function openSource(file: string, format: InputFormat, options: ReadOptions): TableSource {
  switch (format) {
    case 'csv':
      return openCsvSource(file, options);
    case 'tsv':
      return openCsvSource(file, { ...options, delimiter: options.delimiter ?? '\t' });
    case 'json':
      return openJsonSource(file, options);
    case 'ndjson':
      return openNdjsonSource(file, options);
    case 'xml':
      return openXmlSource(file, options);
    case 'parquet':
      return openParquetSource(file, options);
  }
}
