/**
 * Column lookups shared by the operations.
 *
 * @module
 */
import { UnknownColumnError } from '../errors.js';
import type { Batch, Scalar } from '../types.js';

/**
 * The cells of column `name` in a batch, or `undefined` when the batch does
 * not have that column (JSON/XML batches only carry the columns seen so far).
 * Readers build batches from plain arrays, so the arquero column is the
 * array itself.
 */
export function columnValues(batch: Batch, name: string): readonly Scalar[] | undefined {
  const column = batch.table.column(name);
  return column === undefined ? undefined : (column as unknown as readonly Scalar[]);
}

/**
 * Collects column names in first-seen order across batches, so that
 * unknown columns can be reported once the input has been read.
 */
export class ColumnUnion {
  #names = new Set<string>();

  /** Adds the columns of a batch. */
  add(batch: Batch): void {
    for (const name of batch.table.columnNames()) this.#names.add(name);
  }

  /** Adds a list of names (e.g. a header). */
  addAll(names: Iterable<string>): void {
    for (const name of names) this.#names.add(name);
  }

  /** Every name seen, in first-seen order. */
  get names(): string[] {
    return [...this.#names];
  }

  /** True when `name` was seen. */
  has(name: string): boolean {
    return this.#names.has(name);
  }
}

/**
 * Throws when some of `requested` are not in `available`.
 *
 * @throws `UnknownColumnError` listing the unknown and the available columns
 */
export function assertColumnsExist(requested: Iterable<string>, available: readonly string[]): void {
  const known = new Set(available);
  const unknown = [...requested].filter((c) => !known.has(c));
  if (unknown.length > 0) throw new UnknownColumnError(unknown, available);
}
