/**
 * JSON writers: one array of objects (`json`) or one object per line
 * (`ndjson`). Keys follow the schema order; nulls are `null`.
 *
 * @module
 */
import type { ColumnTable } from 'arquero';
import type { ByteSink, ColumnSpec, ColumnType, Scalar, TableWriter } from '../types.js';
import { cellText, numberText } from './scalar-text.js';
import { schemaCells } from './table-columns.js';
import { TextEmitter } from './text-emitter.js';

/** How records are laid out: inside one array, or one per line. */
export type JsonLayout = 'array' | 'lines';

/**
 * A cell coerced to `type` as a JSON value. Non-finite numbers, which JSON
 * cannot carry, become `null`; `-0` stays `-0`.
 */
function jsonValue(v: Scalar | undefined, type: ColumnType): string {
  if (v == null) return 'null';
  if (type === 'number' && typeof v === 'number') return numberText(v) ?? 'null';
  if (type === 'string' && typeof v === 'string') return JSON.stringify(v);
  const text = cellText(v, type);
  if (text === null) return 'null';
  return type === 'string' ? JSON.stringify(text) : text;
}

/**
 * Writes batches as JSON.
 *
 * - `array` layout: `[` then the records separated by `,\n`, then `]\n`;
 *   an empty result is `[]\n`. Streamed: the array is never held whole.
 * - `lines` layout (NDJSON): each record followed by `\n`; an empty result is
 *   an empty file.
 *
 * @example
 * ```ts
 * const w = new JsonWriter(sink, [{ name: 'a', type: 'number' }], 'array');
 * await w.write(aq.table({ a: [1, null] }));
 * await w.close(); // [{"a":1},\n{"a":null}]\n
 * ```
 */
export class JsonWriter implements TableWriter {
  readonly #schema: readonly ColumnSpec[];
  readonly #types: ColumnType[];
  /** `{"a":` for the first key, `,"b":` for the others: the text before each value. */
  readonly #prefixes: string[];
  readonly #layout: JsonLayout;
  readonly #out: TextEmitter;
  #records = 0;
  #closed = false;

  /**
   * @param sink - where the bytes go
   * @param schema - the output columns, in order
   * @param layout - `array` for `json`, `lines` for `ndjson`
   */
  constructor(sink: ByteSink, schema: readonly ColumnSpec[], layout: JsonLayout) {
    this.#schema = schema;
    this.#types = schema.map((c) => c.type);
    this.#prefixes = schema.map((c, j) => (j === 0 ? '{' : ',') + JSON.stringify(c.name) + ':');
    this.#layout = layout;
    this.#out = new TextEmitter(sink);
  }

  /** Appends the rows of `table` (see {@link TableWriter.write}). */
  async write(table: ColumnTable): Promise<void> {
    if (this.#closed) throw new Error('JSON writer used after close');
    const cells = schemaCells(table, this.#schema);
    const types = this.#types;
    const prefixes = this.#prefixes;
    const ncols = cells.length;
    const nrows = table.numRows();
    const lines = this.#layout === 'lines';
    const out = this.#out;
    for (let i = 0; i < nrows; i++) {
      let rec = ncols === 0 ? '{' : '';
      for (let j = 0; j < ncols; j++) rec += prefixes[j]! + jsonValue(cells[j]![i], types[j]!);
      rec += '}';
      if (lines) out.add(rec + '\n');
      else out.add((this.#records === 0 ? '[' : ',\n') + rec);
      this.#records++;
      if (out.full) await out.flush();
    }
  }

  /** Closes the array (in `array` layout) and flushes. */
  async close(): Promise<void> {
    if (this.#closed) throw new Error('JSON writer used after close');
    this.#closed = true;
    if (this.#layout === 'array') this.#out.add(this.#records === 0 ? '[]\n' : ']\n');
    await this.#out.flush();
  }
}
