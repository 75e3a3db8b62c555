/**
 * Turns the scanner's records into rows of a {@link VarcharTable}: resolves
 * field names to columns (guessing each field's column from the previous
 * record, so that a regular file costs a byte comparison per field, not a
 * string), writes the cells, and stops the scan when new columns must be
 * added first.
 *
 * @module
 */
import { decodeText } from './entities.js';
import { recordFields, type Field } from './record-fields.js';
import { checkName, parseRecordTree } from './record-tree.js';
import { FieldKind, type FlatRecord } from './flat-record.js';
import type { RecordHandler } from './scanner.js';
import type { VarcharTable } from './varchar-table.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Writes records as rows; implements the scanner's {@link RecordHandler}. */
export class RecordWriter implements RecordHandler {
  readonly #table: VarcharTable;
  readonly #index = new Map<string, number>();
  readonly #nameBytes: Uint8Array[] = [];
  #guess = new Int32Array(64); // column of field i in the previous flat record
  #stamp = new Int32Array(64); // row that last set each column
  #row = 1;
  #columns = new Int32Array(64); // columns of the current record's fields
  #templateColumns = new Int32Array(64); // columns of the fields of the scanner's template
  #template = -1; // the number of that template, -1 when its columns are not known
  /** Names to add before the held record can be written. */
  #missing: string[] = [];
  /** The record held while columns are added. */
  #held: (() => void) | undefined;
  /** Rows after which the scan stops for good (a preview's cap). */
  readonly #maxRows: number;

  /**
   * @param table - where the rows go
   * @param maxRows - stop the scan once this many rows are written (see {@link RecordWriter.full})
   */
  constructor(table: VarcharTable, maxRows = Infinity) {
    this.#table = table;
    this.#maxRows = maxRows;
  }

  /** Whether the row cap is reached: every handler call then asks the scan to stop, and the load ends. */
  get full(): boolean {
    return this.#row > this.#maxRows;
  }

  /**
   * Adds the columns the held record needs, then writes it (call when the scan stopped).
   *
   * @returns true when a record was held (the scan stopped early and must go on)
   */
  async resume(): Promise<boolean> {
    const held = this.#held;
    if (held === undefined) return false;
    const names = this.#missing;
    this.#missing = [];
    this.#held = undefined;
    await this.#table.addColumns(names);
    held();
    return true;
  }

  /** Appends a flat record (see `RecordHandler.flat`). */
  flat(buf: Uint8Array, record: FlatRecord, start: number, end: number): boolean {
    const { count, names } = record;
    if (record.template === this.#template && record.template !== -1) {
      // Fields of the template, whose columns are known: no name to check.
      this.#writeCells(buf, record, this.#templateColumns, record.slots);
      return this.full;
    }
    if (count > this.#guess.length) {
      this.#guess = grow(this.#guess, count);
      this.#columns = grow(this.#columns, count);
      this.#templateColumns = grow(this.#templateColumns, count);
    }
    // Typed arrays, not arrays: setting an array's length per record showed in profiles.
    const columns = this.#columns;
    const guess = this.#guess;
    const nameBytes = this.#nameBytes;
    const stamp = this.#stamp;
    const row = this.#row;
    let fresh: Map<string, number> | undefined;
    for (let f = 0; f < count; f++) {
      const ns = names[2 * f]!;
      const ne = names[2 * f + 1]!;
      let column = guess[f]!;
      let known = nameBytes[column];
      if (known === undefined || !sameBytes(known, buf, ns, ne)) {
        // Second guess: the column after the previous field's (a record missing an optional field).
        column = f === 0 ? 0 : columns[f - 1]! + 1;
        known = nameBytes[column];
        if (known === undefined || !sameBytes(known, buf, ns, ne)) {
          const name = decoder.decode(buf.subarray(ns, ne));
          const found = this.#index.get(name);
          if (found === undefined) {
            // A new name: registered only once the record is known to be flat, so that a record
            // the general path takes (`@a` before `a`) decides the column order.
            fresh ??= new Map();
            if (fresh.has(name)) return this.general(buf, start, end);
            fresh.set(name, f);
            continue;
          }
          column = found;
        }
        guess[f] = column;
      }
      // A repeated element, or an attribute named like a child: the general path knows what to do.
      if (stamp[column] === row) return this.general(buf, start, end);
      stamp[column] = row;
      columns[f] = column;
    }
    if (fresh !== undefined) {
      for (const [name, f] of fresh)
        guess[f] = columns[f] = this.#column(name, buf.subarray(names[2 * f]!, names[2 * f + 1]!));
    }
    if (record.template !== -1 && count === record.templateFields) {
      // The record has every field of the scanner's template (it is the template, or matched all of
      // it): their columns are known now. (Resolved names are distinct: a repeated one went to general().)
      this.#templateColumns.set(columns.subarray(0, count));
      this.#template = record.template;
    }
    if (this.#missing.length > 0) {
      // Columns must be added first: hold the fields' ranges (the buffer stays until the scan resumes).
      const values = record.values.slice(0, 2 * count);
      const kinds = record.kinds.slice(0, count);
      const names2 = names.slice(0, 2 * count);
      this.#held = () => {
        const fields: Field[] = [];
        for (let f = 0; f < count; f++) {
          const name = decoder.decode(buf.subarray(names2[2 * f]!, names2[2 * f + 1]!));
          fields.push([name, valueText(buf, values[2 * f]!, values[2 * f + 1]!, kinds[f]!)]);
        }
        this.#writeFields(fields);
      };
      return true;
    }
    this.#writeCells(buf, record, columns);
    return this.full;
  }

  /**
   * Writes the cells of a flat record and ends the row: field `f` goes to `columns[f]`, or, for a
   * record matched to the template, to `columns[slots[f]]` (it may lack some of the template's fields).
   */
  #writeCells(buf: Uint8Array, record: FlatRecord, columns: Int32Array, slots?: Int32Array): void {
    const table = this.#table;
    const { values, kinds, count } = record;
    for (let f = 0; f < count; f++) {
      const vs = values[2 * f]!;
      const ve = values[2 * f + 1]!;
      if (ve === vs) continue;
      const column = columns[slots === undefined ? f : slots[f]!]!;
      if (kinds[f] === FieldKind.Plain) table.setBytes(column, buf, vs, ve);
      else table.setText(column, decodeText(decoder.decode(buf.subarray(vs, ve))));
    }
    this.#endRow();
  }

  /** Appends a record that needed the general parser (see `RecordHandler.general`). */
  general(buf: Uint8Array, start: number, end: number): boolean {
    const fields = recordFields(parseRecordTree(decoder.decode(buf.subarray(start, end))));
    for (const [name] of fields) if (!this.#index.has(name)) this.#column(name, encoder.encode(name));
    if (this.#missing.length > 0) {
      this.#held = () => this.#writeFields(fields);
      return true;
    }
    this.#writeFields(fields);
    return this.full;
  }

  #writeFields(fields: readonly Field[]): void {
    // Two fields may flatten to one name (a record's text and a child named like the record,
    // `a.b` as an attribute and as a nested element): the last one wins.
    const cells = new Map<number, string | null>();
    for (const [name, value] of fields) cells.set(this.#index.get(name)!, value);
    for (const [column, value] of cells) this.#table.setText(column, value);
    this.#endRow();
  }

  #endRow(): void {
    this.#table.endRow();
    this.#row++;
  }

  /** The column of `name`, or -1 for one to add (then listed in `#missing`). */
  #column(name: string, bytes: Uint8Array): number {
    const known = this.#index.get(name);
    if (known !== undefined) return known;
    checkName(name);
    const column = this.#nameBytes.length;
    this.#index.set(name, column);
    this.#nameBytes.push(new Uint8Array(bytes)); // a copy: the reader reuses its buffers
    if (column >= this.#stamp.length) this.#stamp = grow(this.#stamp, column + 1);
    this.#missing.push(name);
    return column;
  }
}

function grow(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(size, 2 * a.length));
  b.set(a);
  return b;
}

function sameBytes(name: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (buf[start + i] !== name[i]) return false;
  return true;
}

function valueText(buf: Uint8Array, start: number, end: number, kind: number): string | null {
  if (start === end) return null;
  const raw = decoder.decode(buf.subarray(start, end));
  return kind === FieldKind.Plain ? raw : decodeText(raw);
}
