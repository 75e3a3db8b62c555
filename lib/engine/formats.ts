/**
 * Which format a path is, and what an output defaults to.
 *
 * @module
 */
import type { InputFormat, OutputFormat } from '../types.js';

export { formatFromPath, INPUT_EXTENSIONS } from '../input-format.js';

/** The output format used when the request gives none: the input's, with TSV written as CSV. */
export function defaultOutputFormat(input: InputFormat): OutputFormat {
  return input === 'tsv' ? 'csv' : input;
}

/** The file extension (without dot) of an output format. */
export function outputExtension(format: OutputFormat): string {
  return format;
}
