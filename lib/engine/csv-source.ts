/**
 * CSV and TSV inputs through DuckDB's CSV reader, with every option fixed
 * by the request (no sniffing). Cells are read as text, so that the
 * documented type rule decides each column's type over the whole column;
 * a read can instead take some columns as numbers directly (see
 * {@link CsvRead.numeric}), which is cheaper than text then a cast.
 *
 * @module
 */
import { STRUCT, VARCHAR, structValue, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { ParseError } from '../errors.js';
import { textColumn, type SourceColumn } from './columns.js';
import { readCsvHeader } from './csv-header.js';
import type { Source } from './source.js';
import { Params, quoteIdent, rowsWith } from './sql.js';

/** Rows a read looks at to guess which of its columns are numeric. */
export const NUMERIC_SAMPLE_ROWS = 2048;

/**
 * The sample's read buffer: DuckDB's default (32 MiB) made the first read of a file, a few
 * thousand rows, cost 90 ms. A sample whose lines do not fit fails, and then guesses nothing.
 */
const SAMPLE_BUFFER_BYTES = 2 ** 20;

/** How to read a CSV or TSV input. */
export interface CsvRead {
  readonly format: 'csv' | 'tsv';
  readonly delimiter?: string;
  /** Null markers, the empty field included. */
  readonly nullMarkers: readonly string[];
  /**
   * Columns to read as numbers when the first {@link NUMERIC_SAMPLE_ROWS} rows say they are:
   * DuckDB's CSV reader then converts them with the same cast as `df_num`, and the query fails
   * (DuckDB's conversion error, or `df_not_finite`) on a cell that is not a finite number. The
   * caller then reads the input again without this option, where the type rule decides.
   */
  readonly numeric?: readonly string[];
}

/** A `STRUCT` parameter naming each column's type, for DuckDB's `columns` option. */
function columnTypes(
  names: readonly string[],
  numeric: ReadonlySet<string>,
): {
  value: ReturnType<typeof structValue>;
  type: DuckDBType;
} {
  const entries = Object.fromEntries(names.map((n) => [n, VARCHAR]));
  const values = Object.fromEntries(names.map((n) => [n, numeric.has(n) ? 'DOUBLE' : 'VARCHAR']));
  return { value: structValue(values), type: STRUCT(entries) };
}

function readerCall(
  params: Params,
  file: string,
  names: readonly string[],
  delimiter: string,
  read: CsvRead,
  numeric: ReadonlySet<string>,
  bufferBytes?: number,
): string {
  const columns = columnTypes(names, numeric);
  return (
    `read_csv(${params.text(file)}, columns = ${params.add(columns.value, columns.type)}, header = true, ` +
    `auto_detect = false, delim = ${params.text(delimiter)}, quote = '"', escape = '"', ` +
    `nullstr = ${params.textList(read.nullMarkers)}, strict_mode = true, ` +
    `null_padding = false, encoding = 'utf-8'` +
    (bufferBytes === undefined ? ')' : `, buffer_size = ${bufferBytes})`)
  );
}

/** Of `candidates`, those whose first rows are all numbers or nulls (one short read). */
async function numericInSample(
  connection: DuckDBConnection,
  file: string,
  names: readonly string[],
  delimiter: string,
  read: CsvRead,
  candidates: readonly string[],
): Promise<Set<string>> {
  const params = new Params();
  const from = readerCall(params, file, names, delimiter, read, new Set(), SAMPLE_BUFFER_BYTES);
  const counts = candidates.map((c) => `count(${quoteIdent(c)}) = count(df_num(${quoteIdent(c)}))`);
  try {
    const rows = await rowsWith(
      connection,
      `SELECT ${counts.join(', ')} FROM (SELECT * FROM ${from} LIMIT ${NUMERIC_SAMPLE_ROWS})`,
      params,
    );
    return new Set(candidates.filter((_, i) => rows[0]?.[i] === true));
  } catch {
    // A malformed start: no guess; the plain read reports the error with its line.
    return new Set();
  }
}

/**
 * Opens a CSV or TSV input.
 *
 * @param connection - the job's connection (for the sample of {@link CsvRead.numeric})
 * @param file - absolute host path, already checked by the storage
 * @param read - format, delimiter, null markers, columns to try as numbers
 * @throws `ParseError` for a header longer than 16 MiB
 */
export async function csvSource(connection: DuckDBConnection, file: string, read: CsvRead): Promise<Source> {
  const header = await readCsvHeader(file, read.delimiter ?? (read.format === 'tsv' ? '\t' : undefined));
  if (header === undefined) throw new ParseError('line 1: the header row is longer than 16 MiB', { line: 1 });
  const known = new Set(header.names);
  const candidates = [...new Set(read.numeric ?? [])].filter((c) => known.has(c));
  const numeric =
    candidates.length > 0
      ? await numericInSample(connection, file, header.names, header.delimiter, read, candidates)
      : new Set<string>();
  const params = new Params();
  const from = readerCall(params, file, header.names, header.delimiter, read, numeric);
  return {
    format: read.format,
    from,
    params,
    columns: header.names.map((name): SourceColumn =>
      numeric.has(name)
        ? { name, kind: 'number', expr: `df_finite_or_fail(${quoteIdent(name)})` }
        : textColumn(name),
    ),
    typedByGuess: numeric.size > 0,
    close: async () => undefined,
  };
}
