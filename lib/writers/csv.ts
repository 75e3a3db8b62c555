/**
 * CSV writer: RFC 4180 with a header row, `,` delimiter and `\n` line ends.
 *
 * @module
 */
import type { ColumnTable } from 'arquero';
import type { ByteSink, ColumnSpec, ColumnType, Scalar, TableWriter } from '../types.js';
import { parseNumberText } from '../values.js';
import { cellText } from './scalar-text.js';
import { schemaCells } from './table-columns.js';
import { TextEmitter } from './text-emitter.js';

const MUST_QUOTE = /[",\r\n]/;
const SPACE = 32;
const TAB = 9;

/**
 * One CSV field: quoted (inner quotes doubled) when it contains a comma, a
 * quote, CR or LF, starts or ends with a space or tab (which some readers
 * trim), or is empty (so an empty string stays distinct from a null, which
 * is written as nothing at all, as DuckDB does).
 *
 * @param s - the field's text
 * @returns the text as it goes in the file
 */
export function csvField(s: string): string {
  const n = s.length;
  if (n === 0) return '""';
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(n - 1);
  if (first === SPACE || first === TAB || last === SPACE || last === TAB || MUST_QUOTE.test(s)) {
    return `"${s.replaceAll('"', '""')}"`;
  }
  return s;
}

/**
 * The field of one cell of a column of type `type`, `''` for null.
 *
 * Strings of a string column and numeric text of a number column are written
 * as they came (`1.50` stays `1.50`, a 20-digit integer keeps its digits);
 * other cells are coerced to the column type first.
 */
function csvCell(v: Scalar | undefined, type: ColumnType): string {
  if (v == null) return '';
  if (typeof v === 'string') {
    if (type === 'string') return csvField(v);
    // Numeric text never needs quoting: it has no comma, quote, space or line end.
    if (type === 'number') return parseNumberText(v) === undefined ? '' : v;
  }
  const text = cellText(v, type);
  return text === null ? '' : csvField(text);
}

/**
 * Writes batches as CSV. The header is written with the first batch (or on
 * close when there is none), so an empty result is a header-only file. Text
 * is handed to the sink in pieces of about 1 MiB, and on close.
 *
 * In a one-column file a null is written `""` rather than as a blank line,
 * which readers skip; it reads back as null under the default null values.
 */
export class CsvWriter implements TableWriter {
  readonly #schema: readonly ColumnSpec[];
  readonly #types: ColumnType[];
  readonly #out: TextEmitter;
  #started = false;
  #closed = false;

  /**
   * @param sink - where the bytes go
   * @param schema - the output columns, in order
   */
  constructor(sink: ByteSink, schema: readonly ColumnSpec[]) {
    this.#schema = schema;
    this.#types = schema.map((c) => c.type);
    this.#out = new TextEmitter(sink);
  }

  #start(): void {
    if (this.#closed) throw new Error('CSV writer used after close');
    if (this.#started) return;
    this.#started = true;
    this.#out.add(this.#schema.map((c) => csvField(c.name)).join(',') + '\n');
  }

  /** Appends the rows of `table` (see {@link TableWriter.write}). */
  async write(table: ColumnTable): Promise<void> {
    this.#start();
    const cells = schemaCells(table, this.#schema);
    const types = this.#types;
    const ncols = cells.length;
    const nrows = table.numRows();
    const out = this.#out;
    for (let i = 0; i < nrows; i++) {
      let line = ncols > 0 ? csvCell(cells[0]![i], types[0]!) : '';
      for (let j = 1; j < ncols; j++) line += ',' + csvCell(cells[j]![i], types[j]!);
      // A lone null would make a blank line, which CSV readers skip: keep the row as `""`.
      out.add(line.length === 0 && ncols === 1 ? '""\n' : line + '\n');
      if (out.full) await out.flush();
    }
  }

  /** Writes the header if no batch came, and flushes. */
  async close(): Promise<void> {
    this.#start();
    this.#closed = true;
    await this.#out.flush();
  }
}
