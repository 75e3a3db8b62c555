/**
 * Which input format a file name stands for, from its extension alone. Pure
 * (no I/O, no engine): the request schema derives the format with it to
 * check the format's options, and the engine to pick a reader.
 *
 * @module
 */
import path from 'node:path';
import { UnsupportedFormatError } from './errors.js';
import type { InputFormat } from './types.js';

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
 * The input format of a file, or `undefined` when its extension is none of
 * {@link INPUT_EXTENSIONS} (any letter case).
 *
 * @param file - a file name or path (only its extension is looked at)
 */
export function knownFormatOf(file: string): InputFormat | undefined {
  const ext = path.posix.extname(file).toLowerCase();
  return Object.hasOwn(INPUT_EXTENSIONS, ext) ? INPUT_EXTENSIONS[ext] : undefined;
}

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
  const format = knownFormatOf(file);
  if (format === undefined) {
    const ext = path.posix.extname(file).toLowerCase();
    throw new UnsupportedFormatError(ext === '' ? '(no extension)' : ext, Object.keys(INPUT_EXTENSIONS));
  }
  return format;
}
