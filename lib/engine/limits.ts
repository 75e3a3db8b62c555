/**
 * Limits on the shape of an input, the same for every format: a file is
 * refused (`parse_error`) before its shape can make the engine's work or
 * memory grow faster than the file itself.
 *
 * @module
 */
import { ParseError } from '../errors.js';

/**
 * Columns an input may have: CSV/TSV header fields, JSON/NDJSON leaf keys
 * (the union over the records), XML fields, Parquet leaf columns. Every
 * batch of rows carries every column, so without a cap thirty thousand
 * one-key records cost memory and time in the square of the file's size.
 */
export const MAX_COLUMNS = 10_000;

/**
 * Throws when `count` columns are more than {@link MAX_COLUMNS}.
 *
 * @param count - columns found so far
 * @param where - where the last one was found, e.g. `record 10001`, for the message
 * @param location - the same, machine-readable, e.g. `{ record: 10001 }`
 * @throws `ParseError` naming the limit
 */
export function assertColumnCount(count: number, where?: string, location?: Record<string, unknown>): void {
  if (count > MAX_COLUMNS) {
    throw new ParseError(
      `${where !== undefined ? `${where}: ` : ''}the input has more than ${MAX_COLUMNS.toLocaleString('en-US')} columns`,
      { ...location, max_columns: MAX_COLUMNS },
    );
  }
}
