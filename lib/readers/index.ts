/**
 * The readers' registry: which format a path is, and the reader of each
 * format behind one factory.
 *
 * @module
 */
import path from 'node:path';
import { UnsupportedFormatError } from '../errors.js';
import type { InputFormat, ReadOptions, TableSource } from '../types.js';
import { openCsvSource } from './csv.js';
import { openJsonSource } from './json.js';
import { openNdjsonSource } from './ndjson.js';
import { openParquetSource } from './parquet.js';
import { openXmlSource } from './xml.js';

/** File extensions (lower case, with dot) and the format they stand for. */
export const INPUT_EXTENSIONS: Readonly<Record<string, InputFormat>> = Object.freeze({
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.xml': 'xml',
  '.parquet': 'parquet',
  '.parq': 'parquet',
});

/**
 * The input format of a file, from its extension (any letter case).
 *
 * @param file - a file name or path (only its extension is looked at)
 * @returns the format
 * @throws `UnsupportedFormatError` for any other extension, listing the supported ones
 *
 * @example
 * ```ts
 * formatFromPath('exports/Ventes.CSV'); // 'csv'
 * formatFromPath('logs/app.jsonl'); // 'ndjson'
 * ```
 */
export function formatFromPath(file: string): InputFormat {
  const ext = path.posix.extname(file).toLowerCase();
  const format = Object.hasOwn(INPUT_EXTENSIONS, ext) ? INPUT_EXTENSIONS[ext] : undefined;
  if (format === undefined) {
    throw new UnsupportedFormatError(ext === '' ? '(no extension)' : ext, Object.keys(INPUT_EXTENSIONS));
  }
  return format;
}

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
