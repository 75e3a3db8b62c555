/**
 * The row loop of the CSV reader: cells of CSV blocks into the column arrays
 * of a batch, from papaparse's rows or straight from quote-free text.
 *
 * @module
 */
import { ColumnTable } from 'arquero';
import { ParseError } from '../errors.js';
import type { Batch, Scalar } from '../types.js';
import { lineOfRow, type CsvBlock } from './csv-blocks.js';
import { countChar } from './text-chunks.js';

/** Cells per batch at most: the batch size is lowered for files with many columns. */
const MAX_BATCH_CELLS = 1 << 21;

/**
 * Tests cells against the null markers; the length check spares a hash
 * lookup for most cells (numbers are longer than `NA`, `null`, `NaN`...).
 */
export class NullMatcher {
  readonly #values: ReadonlySet<string>;
  readonly #lengths: boolean[] = [];

  /** @param values - the null markers */
  constructor(values: readonly string[]) {
    this.#values = new Set(values);
    for (const v of values) this.#lengths[v.length] = true;
  }

  /** True when `v` is one of the null markers. */
  matches(v: string): boolean {
    return this.#lengths[v.length] === true && this.#values.has(v);
  }
}

/** Removes the `\r` a CRLF file leaves at the end of a row's last field. */
export function stripCarriageReturn(row: string[]): void {
  const last = row[row.length - 1]!;
  if (last.charCodeAt(last.length - 1) === 13) row[row.length - 1] = last.slice(0, -1);
}

function raggedRow(line: number, expected: number, found: number): ParseError {
  return new ParseError(
    `line ${line}: expected ${expected} field${expected === 1 ? '' : 's'} as in the header, found ${found}`,
    { line, expected, found },
  );
}

/**
 * Column arrays of the batch being built. The row loops live here, in plain
 * methods, where the optimizing compiler handles them better than inside the
 * async generator; columns are preallocated and written by index, which
 * measured faster than pushing.
 */
export class RowBuffer {
  readonly #width: number;
  readonly #picked: readonly number[];
  readonly #names: readonly string[];
  readonly #batchSize: number;
  readonly #nulls: NullMatcher;
  #columns: Scalar[][];
  /** Rows in the current batch. */
  size = 0;
  /** 1-based data row number of the current batch's first row. */
  firstRow = 1;

  /**
   * @param header - the column names
   * @param picked - indexes of the columns to build, ascending
   * @param batchSize - rows per batch (lowered for wide files)
   * @param nulls - the null markers
   */
  constructor(header: readonly string[], picked: readonly number[], batchSize: number, nulls: NullMatcher) {
    this.#width = header.length;
    this.#picked = picked;
    this.#names = picked.map((i) => header[i]!);
    // Wide files get shorter batches, so that a batch's size stays bounded.
    this.#batchSize = Math.max(
      1,
      Math.min(batchSize, Math.floor(MAX_BATCH_CELLS / Math.max(1, picked.length))),
    );
    this.#nulls = nulls;
    this.#columns = picked.map(() => new Array<Scalar>(this.#batchSize));
  }

  /** True when the batch holds its full number of rows. */
  get full(): boolean {
    return this.size >= this.#batchSize;
  }

  /**
   * Appends rows of a block from `from` until the block ends or the batch is
   * full. `from` is a row index for parsed blocks, a character offset in
   * `plain` for quote-free ones.
   *
   * @returns where to continue: the next row index, or character offset
   * @throws `ParseError` for a ragged row
   */
  append(block: CsvBlock, from: number): number {
    if (block.plain !== undefined) return this.#appendPlain(block, block.plain, from);
    const { rows } = block;
    const crlf = block.dialect.crlf;
    const width = this.#width;
    const picked = this.#picked;
    const columns = this.#columns;
    const nulls = this.#nulls;
    const room = this.#batchSize - this.size;
    let added = 0;
    let at = this.size;
    let r = from;
    for (; r < rows.length && added < room; r++) {
      const row = rows[r]!;
      if (crlf) stripCarriageReturn(row);
      if (row.length !== width) {
        // A blank line in a multi-column file is skipped, as pandas does.
        if (row.length === 1 && row[0] === '') continue;
        throw raggedRow(lineOfRow(block, r), width, row.length);
      }
      for (let j = 0; j < picked.length; j++) {
        const v = row[picked[j]!]!;
        columns[j]![at] = v.length === 0 || nulls.matches(v) ? null : v;
      }
      at++;
      added++;
    }
    this.size += added;
    return r;
  }

  /**
   * The same over quote-free text: fields are cut between delimiters with
   * `indexOf`, and only the picked ones become strings.
   */
  #appendPlain(block: CsvBlock, text: string, from: number): number {
    const newline = block.dialect.newline;
    const delimiter = block.dialect.delimiter;
    const crlf = block.dialect.crlf;
    const width = this.#width;
    const picked = this.#picked;
    const npicked = picked.length;
    const columns = this.#columns;
    const nulls = this.#nulls;
    const end = text.length;
    let at = this.size;
    const stop = this.#batchSize;
    let pos = from;
    while (pos < end && at < stop) {
      let lineEnd = text.indexOf(newline, pos);
      if (lineEnd === -1) lineEnd = end;
      const next = lineEnd + 1;
      if (crlf && lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
      if (lineEnd === pos && width > 1) {
        pos = next; // a blank line in a multi-column file is skipped, as pandas does
        continue;
      }
      let start = pos;
      let field = 0;
      let k = 0;
      for (;;) {
        let cut = text.indexOf(delimiter, start);
        if (cut === -1 || cut > lineEnd) cut = lineEnd;
        if (k < npicked && picked[k] === field) {
          let v: string | null = null;
          if (cut > start) {
            v = text.slice(start, cut);
            if (nulls.matches(v)) v = null;
          }
          columns[k++]![at] = v;
        }
        field++;
        if (cut === lineEnd) break;
        start = cut + 1;
      }
      if (field !== width) throw raggedRow(block.firstLine + countChar(text, newline, 0, pos), width, field);
      at++;
      pos = next;
    }
    this.size = at;
    return pos;
  }

  /** Closes the current batch and starts the next one. */
  take(): Batch {
    // A prototype-less object keeps a column named "__proto__" an ordinary column.
    const data = Object.create(null) as Record<string, Scalar[]>;
    for (let j = 0; j < this.#names.length; j++) {
      const column = this.#columns[j]!;
      column.length = this.size;
      data[this.#names[j]!] = column;
    }
    const batch: Batch = { table: new ColumnTable(data, [...this.#names]), firstRow: this.firstRow };
    this.firstRow += this.size;
    this.size = 0;
    this.#columns = this.#picked.map(() => new Array<Scalar>(this.#batchSize));
    return batch;
  }
}
