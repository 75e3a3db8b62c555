/**
 * CSV/TSV reader: streams a delimited text file into batches of raw string
 * cells (nulls applied), with the header row as column names.
 *
 * @module
 */
import { InvalidRequestError, ParseError } from '../errors.js';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_NULL_VALUES,
  type Batch,
  type ColumnType,
  type ReadOptions,
  type TableSource,
} from '../types.js';
import { csvBlocks, type CsvBlock } from './csv-blocks.js';
import { NullMatcher, RowBuffer, stripCarriageReturn } from './csv-rows.js';
import type { ReaderTuning } from './text-chunks.js';

/** Bytes read by {@link TableSource.header}: the header rarely needs more. */
const HEADER_CHUNK_BYTES = 64 * 1024;

/**
 * Opens a CSV (or TSV) file as a {@link TableSource}. Nothing is read until
 * `header()` or `batches()` is called.
 *
 * Cells are strings, or `null` for empty fields and for the strings of
 * `options.null_values` (default {@link DEFAULT_NULL_VALUES}). A blank line
 * is skipped when the file has several columns and is a null cell when it
 * has one; the newline ending the last line starts no row.
 *
 * Its `header()` and `batches()` throw `ParseError` for an empty file,
 * invalid UTF-8, empty or duplicate column names, ragged rows and unbalanced
 * quotes, naming the 1-based physical line.
 *
 * @param file - absolute host path, already checked by the storage
 * @param options - `delimiter` (else detected among `,` `;` tab `|`), `null_values`,
 *   `columns` (only these are built when they all exist), `batch_size`
 * @param tuning - internal knobs (chunk size) for tests and benchmarks
 * @returns the source
 * @throws `InvalidRequestError` at once when `options.delimiter` is not one usable character
 *
 * @example
 * ```ts
 * const source = openCsvSource('/srv/hdfs/sales.csv', { null_values: ['-'] });
 * for await (const { table, firstRow } of source.batches()) console.log(firstRow, table.numRows());
 * ```
 */
export function openCsvSource(file: string, options: ReadOptions, tuning: ReaderTuning = {}): TableSource {
  return new CsvSource(file, options, tuning);
}

class CsvSource implements TableSource {
  readonly #file: string;
  readonly #delimiter: string | undefined;
  readonly #options: ReadOptions;
  readonly #tuning: ReaderTuning;
  #header: Promise<readonly string[]> | undefined;

  constructor(file: string, options: ReadOptions, tuning: ReaderTuning) {
    this.#file = file;
    this.#options = options;
    this.#tuning = tuning;
    this.#delimiter = checkDelimiter(options.delimiter);
  }

  header(): Promise<readonly string[]> {
    this.#header ??= this.#readHeader();
    return this.#header;
  }

  async knownTypes(): Promise<ReadonlyMap<string, ColumnType> | undefined> {
    return undefined;
  }

  batches(): AsyncIterable<Batch> {
    return this.#batches();
  }

  async #readHeader(): Promise<readonly string[]> {
    const chunkBytes = Math.min(this.#tuning.chunkBytes ?? HEADER_CHUNK_BYTES, HEADER_CHUNK_BYTES);
    const blocks = csvBlocks(this.#file, this.#delimiter, { ...this.#tuning, chunkBytes });
    try {
      const first = await blocks.next();
      if (first.done) throw new ParseError('empty file: no header row', { line: 1 });
      return checkHeader(first.value);
    } finally {
      await blocks.return();
    }
  }

  async *#batches(): AsyncGenerator<Batch, void, undefined> {
    const batchSize = Math.max(1, Math.floor(this.#options.batch_size ?? DEFAULT_BATCH_SIZE));
    const nulls = new NullMatcher(this.#options.null_values ?? DEFAULT_NULL_VALUES);
    let rowsOut: RowBuffer | undefined;
    for await (const block of csvBlocks(this.#file, this.#delimiter, this.#tuning)) {
      let r = 0;
      if (rowsOut === undefined) {
        const header = checkHeader(block);
        rowsOut = new RowBuffer(header, pickColumns(header, this.#options.columns), batchSize, nulls);
        r = 1;
      }
      const end = block.plain !== undefined ? block.plain.length : block.rows.length;
      while (r < end) {
        r = rowsOut.append(block, r);
        if (rowsOut.full) yield rowsOut.take();
      }
    }
    // A header-only file still tells its columns through one empty batch.
    if (rowsOut !== undefined && (rowsOut.size > 0 || rowsOut.firstRow === 1)) yield rowsOut.take();
  }
}

function checkDelimiter(delimiter: string | undefined): string | undefined {
  if (delimiter === undefined) return undefined;
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new InvalidRequestError(`delimiter ${JSON.stringify(delimiter)} is not usable: give one character`);
  }
  return delimiter;
}

/** Validates the first row of the file as the header and returns the column names. */
function checkHeader(block: CsvBlock): string[] {
  const header = [...block.rows[0]!];
  if (block.dialect.crlf) stripCarriageReturn(header);
  const line = block.firstLine;
  if (header.length === 1 && header[0] === '') {
    throw new ParseError(`line ${line}: the header row is empty`, { line });
  }
  const seen = new Map<string, number>();
  for (let i = 0; i < header.length; i++) {
    const name = header[i]!;
    if (name.trim() === '') {
      throw new ParseError(`line ${line}: column ${i + 1} of the header has an empty name`, {
        line,
        column: i + 1,
      });
    }
    const previous = seen.get(name);
    if (previous !== undefined) {
      throw new ParseError(
        `line ${line}: duplicate column name ${JSON.stringify(name)} (columns ${previous + 1} and ${i + 1})`,
        { line, column: i + 1 },
      );
    }
    seen.set(name, i);
  }
  return header;
}

/** Indexes of the requested columns when they all exist; every column otherwise (the consumer reports unknown ones). */
function pickColumns(header: readonly string[], wanted: readonly string[] | undefined): number[] {
  const all = header.map((_, i) => i);
  if (wanted === undefined || wanted.length === 0) return all;
  const index = new Map(header.map((name, i) => [name, i] as const));
  const picked = [...new Set(wanted)].map((name) => index.get(name));
  if (picked.some((i) => i === undefined)) return all;
  return (picked as number[]).sort((a, b) => a - b);
}
