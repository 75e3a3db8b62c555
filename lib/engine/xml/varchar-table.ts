/**
 * Appends rows of VARCHAR cells to a DuckDB table, a data chunk (2,048 rows)
 * at a time, writing the cells straight into the chunk's vectors: a string of
 * up to 12 bytes is stored inline in its 16-byte `duckdb_string_t` (the C API's
 * public layout: a 32-bit length, then the bytes, zero-padded), a longer one
 * through `duckdb_vector_assign_string_element_len`. No JavaScript string is
 * made for a cell read from the file. Columns are added as they appear
 * (`ALTER TABLE … ADD COLUMN`, earlier rows null).
 *
 * @module
 */
import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk, VARCHAR, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { assertColumnCount } from '../limits.js';
import { quoteIdentifier } from './identifiers.js';

/**
 * The column of a table none of whose records had a field: DuckDB has no
 * table without columns, so this all-null placeholder stands until the first
 * field comes (then it is dropped).
 */
export const XML_NO_COLUMN = '__xml_no_field__';

/** Rows per chunk: DuckDB's vector size. */
const CHUNK_ROWS = 2048;
const STRING_T = 16;
const INLINE_MAX = 12;

/** One column's cells of the current chunk, kept in JavaScript memory until the chunk is appended. */
interface ColumnCells {
  /** The `duckdb_string_t` of each row: inline strings complete, longer ones filled in at append time. */
  readonly data: Uint8Array<ArrayBuffer>;
  /** DuckDB's validity mask: bit `row` set when the cell is not null. */
  readonly validity: Uint8Array<ArrayBuffer>;
  /** Strings over 12 bytes: rows and bytes (copies, assigned when the chunk is appended). */
  readonly longRows: number[];
  readonly longBytes: Uint8Array[];
}

const newCells = (): ColumnCells => ({
  data: new Uint8Array(CHUNK_ROWS * STRING_T),
  validity: new Uint8Array(CHUNK_ROWS / 8),
  longRows: [],
  longBytes: [],
});

/**
 * Rows into one DuckDB table of VARCHAR columns. Set the cells of a row with
 * {@link VarcharTable.setBytes} / {@link VarcharTable.setText}, then
 * {@link VarcharTable.endRow}; unset cells are null. {@link VarcharTable.finish}
 * appends what is left.
 */
export class VarcharTable {
  readonly #connection: DuckDBConnection;
  readonly #table: string;
  readonly #names: string[] = [];
  #appender: DuckDBAppender | undefined;
  #chunk: DuckDBDataChunk | undefined;
  #cells: ColumnCells[] = [newCells()];
  #row = 0; // row of the current chunk being filled
  #rows = 0; // rows appended in all
  readonly #encoder = new TextEncoder();
  /** Null markers' UTF-8 bytes by their length: a cell equal to one is left null. */
  readonly #nullsByLength: Uint8Array[][] = [];
  /** Non-zero for a byte that starts some null marker: most cells are told apart by it alone. */
  readonly #nullFirstBytes = new Uint8Array(256);
  readonly #nullTexts: ReadonlySet<string>;

  private constructor(connection: DuckDBConnection, table: string, nullMarkers: readonly string[]) {
    this.#connection = connection;
    this.#table = table;
    this.#nullTexts = new Set(nullMarkers);
    for (const marker of nullMarkers) {
      const bytes = this.#encoder.encode(marker);
      (this.#nullsByLength[bytes.length] ??= []).push(bytes);
      if (bytes.length > 0) this.#nullFirstBytes[bytes[0]!] = 1;
    }
  }

  /**
   * Creates the table (TEMP, no column yet: DuckDB needs one, so a placeholder
   * is dropped when the first real column comes).
   *
   * @param connection - where the table lives
   * @param table - its name (quoted here)
   * @param nullMarkers - cell texts stored as null (nulls at load, not a CASE in every later query)
   */
  static async create(
    connection: DuckDBConnection,
    table: string,
    nullMarkers: readonly string[] = [],
  ): Promise<VarcharTable> {
    await connection.run(
      `CREATE TEMP TABLE ${quoteIdentifier(table)} (${quoteIdentifier(XML_NO_COLUMN)} VARCHAR)`,
    );
    const created = new VarcharTable(connection, table, nullMarkers);
    created.#appender = await created.#openAppender();
    return created;
  }

  /** Column names, in creation order. */
  get columns(): readonly string[] {
    return this.#names;
  }

  /** Rows completed so far. */
  get rows(): number {
    return this.#rows + this.#row;
  }

  /**
   * Adds columns (all VARCHAR, null in the rows already written, the
   * current chunk's included).
   *
   * @throws `ParseError` when the table would have more than `MAX_COLUMNS` columns
   */
  async addColumns(names: readonly string[]): Promise<void> {
    // Checked before any is added: every later chunk carries them all.
    assertColumnCount(this.#names.length + names.length, `row ${this.rows + 1}`, { row: this.rows + 1 });
    // The rows of the current chunk stay in their cells (null in the new columns) until the chunk
    // is full: appending them now would cost DuckDB a segment per column at each new column
    // (1,000 one-field records of distinct names took 90 s and 1.8 GB that way).
    this.#appender!.closeSync();
    const table = quoteIdentifier(this.#table);
    // The placeholder's cells go with it; the existing columns keep theirs.
    if (this.#names.length === 0) this.#cells = [];
    for (const name of names) {
      await this.#connection.run(`ALTER TABLE ${table} ADD COLUMN ${quoteIdentifier(name)} VARCHAR`);
      if (this.#names.length === 0) {
        await this.#connection.run(`ALTER TABLE ${table} DROP COLUMN ${quoteIdentifier(XML_NO_COLUMN)}`);
      }
      this.#names.push(name);
      this.#cells.push(newCells());
    }
    this.#appender = await this.#openAppender();
  }

  /**
   * Sets cell `column` of the current row to the UTF-8 bytes `src[start..end)` (non-empty, valid
   * UTF-8); a null marker makes it null.
   */
  setBytes(column: number, src: Uint8Array, start: number, end: number): void {
    const cells = this.#cells[column]!;
    const row = this.#row;
    const length = end - start;
    const data = cells.data;
    const at = row * STRING_T;
    const validity = cells.validity;
    const bit = 1 << (row & 7);
    // Set twice in one row (two fields flattening to one name): the last value wins, on a clean slot.
    if ((validity[row >> 3]! & bit) !== 0) {
      data.fill(0, at, at + STRING_T);
      validity[row >> 3]! &= ~bit;
      // Rows only grow within a chunk: the row's long string, if any, is the last one listed.
      if (cells.longRows[cells.longRows.length - 1] === row) {
        cells.longRows.pop();
        cells.longBytes.pop();
      }
    }
    if (this.#nullFirstBytes[src[start]!] !== 0 && this.#isNullMarker(src, start, length)) return;
    validity[row >> 3]! |= bit;
    if (length <= INLINE_MAX) {
      // The slot is zero (cleared after each chunk): the length's high bytes and the padding stay so.
      data[at] = length;
      for (let i = start, to = at + 4; i < end; i++, to++) data[to] = src[i]!;
    } else {
      cells.longRows.push(row);
      // A copy: the reader reuses its buffers.
      cells.longBytes.push(new Uint8Array(src.subarray(start, end))); // a copy (Buffer#slice is a view)
    }
  }

  /** Whether `src[start..start+length)` is a null marker. */
  #isNullMarker(src: Uint8Array, start: number, length: number): boolean {
    const markers = this.#nullsByLength[length];
    if (markers === undefined) return false;
    for (const marker of markers) if (sameBytes(marker, src, start)) return true;
    return false;
  }

  /** Sets cell `column` of the current row to `text` (null when empty or a null marker). */
  setText(column: number, text: string | null): void {
    if (text === null || text === '' || this.#nullTexts.has(text)) {
      this.#clear(column);
      return;
    }
    const bytes = this.#encoder.encode(text);
    this.setBytes(column, bytes, 0, bytes.length);
  }

  /** Makes cell `column` of the current row null again (a later field of the same name was null). */
  #clear(column: number): void {
    const cells = this.#cells[column]!;
    const row = this.#row;
    const bit = 1 << (row & 7);
    if ((cells.validity[row >> 3]! & bit) === 0) return;
    cells.validity[row >> 3]! &= ~bit;
    cells.data.fill(0, row * STRING_T, (row + 1) * STRING_T);
    if (cells.longRows[cells.longRows.length - 1] === row) {
      cells.longRows.pop();
      cells.longBytes.pop();
    }
  }

  /** Completes the current row; appends the chunk when it is full. */
  endRow(): void {
    if (++this.#row === CHUNK_ROWS) this.#flushChunk();
  }

  /** Appends the rows left and closes the appender. */
  finish(): void {
    this.#flushChunk();
    this.#appender!.closeSync();
  }

  /** Appends the rows of the current chunk, if any, and clears the cells for the next. */
  #flushChunk(): void {
    const rows = this.#row;
    if (rows === 0) return;
    const chunk = this.#dataChunk();
    this.#cells.forEach((cells, i) => {
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, i);
      // The binding hands out copies of vector memory: cells are copied in, then long strings assigned.
      duckdb.copy_data_to_vector(vector, 0, cells.data.buffer, 0, rows * STRING_T);
      for (let k = 0; k < cells.longRows.length; k++) {
        duckdb.vector_assign_string_element_len(vector, cells.longRows[k]!, cells.longBytes[k]!);
      }
      duckdb.vector_ensure_validity_writable(vector);
      duckdb.copy_data_to_vector_validity(vector, 0, cells.validity.buffer, 0, cells.validity.byteLength);
      cells.data.fill(0, 0, rows * STRING_T);
      cells.validity.fill(0);
      cells.longRows.length = 0;
      cells.longBytes.length = 0;
    });
    chunk.rowCount = rows;
    this.#appender!.appendDataChunk(chunk);
    this.#rows += rows;
    this.#row = 0;
  }

  /**
   * The data chunk to fill, emptied: one per column set, reused from chunk to chunk. A fresh chunk
   * each time cost more than the copies into it (its new vector memory faulted page by page).
   */
  #dataChunk(): DuckDBDataChunk {
    const chunk = this.#chunk;
    if (chunk !== undefined && chunk.columnCount === this.#cells.length) {
      chunk.reset();
      return chunk;
    }
    return (this.#chunk = DuckDBDataChunk.create(this.#cells.map(() => VARCHAR)));
  }

  /** The table is TEMP: catalog `temp`, schema `main`. The name is passed as is, not parsed as SQL. */
  #openAppender(): Promise<DuckDBAppender> {
    return this.#connection.createAppender(this.#table, 'main', 'temp');
  }
}

/** Whether `src` holds the bytes of `marker` from `start` (its length already matched). */
function sameBytes(marker: Uint8Array, src: Uint8Array, start: number): boolean {
  for (let i = 0; i < marker.length; i++) if (src[start + i] !== marker[i]) return false;
  return true;
}
