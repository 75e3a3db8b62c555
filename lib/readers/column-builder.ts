import * as aq from 'arquero';
import type { Batch, Scalar } from '../types.js';

/**
 * Accumulates records with varying keys into column-major batches, keeping
 * the union of columns in first-seen order. A column first seen at row N is
 * back-filled with nulls for the rows before it in the current batch; later
 * batches carry every column seen so far.
 *
 * Used by the JSON, NDJSON and XML readers, whose records may each have a
 * different set of fields.
 */
export class ColumnBuilder {
  #columns = new Map<string, Scalar[]>();
  #rows = 0;
  #firstRow = 1;

  /** Names of every column seen so far, in first-seen order. */
  get columnNames(): string[] {
    return [...this.#columns.keys()];
  }

  /** Rows pending in the current batch. */
  get size(): number {
    return this.#rows;
  }

  /**
   * Appends one record given as `[name, value]` pairs (already flattened).
   * A name repeated within the record keeps its last value.
   */
  push(fields: Iterable<readonly [string, Scalar]>): void {
    const row = this.#rows;
    for (const [name, value] of fields) {
      let col = this.#columns.get(name);
      if (col === undefined) {
        col = new Array<Scalar>(row).fill(null);
        this.#columns.set(name, col);
      }
      // Missing keys of earlier records were not pushed: pad to this row first.
      while (col.length < row) col.push(null);
      if (col.length === row) col.push(value);
      else col[row] = value;
    }
    this.#rows = row + 1;
  }

  /** Closes the current batch (padding short columns with nulls) and starts a new one. */
  take(): Batch {
    const data: Record<string, Scalar[]> = {};
    for (const [name, col] of this.#columns) {
      while (col.length < this.#rows) col.push(null);
      data[name] = col;
      this.#columns.set(name, []);
    }
    const batch: Batch = { table: aq.table(data), firstRow: this.#firstRow };
    this.#firstRow += this.#rows;
    this.#rows = 0;
    return batch;
  }
}
