/**
 * Shared vocabulary of the data engine: formats, cell values, column types,
 * and the byte sink writers write to.
 *
 * @module
 */

/** Formats the engine reads. `tsv` is CSV with a tab delimiter. */
export const INPUT_FORMATS = ['csv', 'tsv', 'json', 'ndjson', 'xml', 'parquet'] as const;
/** A format the engine reads. */
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** Formats the engine writes. */
export const OUTPUT_FORMATS = ['csv', 'json', 'ndjson', 'parquet', 'xml'] as const;
/** A format the engine writes. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** One cell as JavaScript sees it: text, a number, a boolean, or `null`. */
export type Scalar = string | number | boolean | null;

/** The logical type of a column, decided over all its non-null values. */
export type ColumnType = 'number' | 'boolean' | 'string';

/** The null markers of pandas' `read_csv`, the default of `null_values`. */
export const DEFAULT_NULL_VALUES: readonly string[] = [
  '',
  'NA',
  'N/A',
  'n/a',
  'null',
  'NULL',
  'NaN',
  'nan',
  'None',
  '<NA>',
];

/** Where writers put bytes: an append-only sink with backpressure. */
export interface ByteSink {
  /** Appends bytes or UTF-8 text; resolves when the sink can take more. */
  write(chunk: Uint8Array | string): Promise<void>;
}
