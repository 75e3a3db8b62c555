/**
 * Which format a path is, and what an output defaults to.
 *
 * @module
 */
import path from 'node:path';
import { UnsupportedFormatError } from '../errors.js';
import type { InputFormat, OutputFormat } from '../types.js';

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

/** The output format used when the request gives none: the input's, with TSV written as CSV. */
export function defaultOutputFormat(input: InputFormat): OutputFormat {
  return input === 'tsv' ? 'csv' : input;
}

/** The file extension (without dot) of an output format. */
export function outputExtension(format: OutputFormat): string {
  return format;
}
