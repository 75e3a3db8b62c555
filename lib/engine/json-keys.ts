/**
 * The columns of JSON records, found in JavaScript from a sample of parsed
 * records: nested objects become dotted columns (`address.city`), arrays
 * and scalars are leaves, an empty object is a leaf (a null cell), in
 * first-seen order. Records nested deeper than {@link MAX_NESTING} levels, and
 * more than `MAX_COLUMNS` leaves in all, are refused, so that no deep document reaches a recursive parser.
 * A sample also tells its most common top-level key list and the keys that
 * hold only numbers ({@link learnColumns}).
 *
 * @module
 */
import { ParseError } from '../errors.js';
import { assertColumnCount } from './limits.js';

/** Objects and arrays nest at most this deep in a record. */
export const MAX_NESTING = 64;

/** A leaf column: its dotted name and its key path. */
export interface JsonLeaf {
  readonly name: string;
  readonly path: readonly string[];
}

/** Collects the leaf columns of records, in first-seen order. */
export class JsonColumns {
  readonly #leaves = new Map<string, JsonLeaf>();

  /**
   * Adds the leaves of one record.
   *
   * @param record - a parsed JSON value; anything but an object is refused
   * @param where - its 1-based record number, for errors
   * @throws `ParseError` for a record that is not an object, nests too deep, or brings the
   *   columns over `MAX_COLUMNS`
   */
  add(record: unknown, where: number): void {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new ParseError(`record ${where}: every JSON record must be an object`, { record: where });
    }
    this.#walk(record as Record<string, unknown>, [], '', 1, where);
  }

  // The path array of a leaf is built only when the leaf is new: most keys of most records are known.
  #walk(
    value: Record<string, unknown>,
    prefix: string[],
    dotted: string,
    depth: number,
    where: number,
  ): void {
    if (depth > MAX_NESTING) throw tooDeep(where);
    for (const key of Object.keys(value)) {
      if (key.includes('\0'))
        throw new ParseError(`record ${where}: a key holds a NUL character`, { record: where });
      const v = value[key];
      const name = depth === 1 ? key : `${dotted}.${key}`;
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
        this.#walk(v as Record<string, unknown>, [...prefix, key], name, depth + 1, where);
      } else {
        if (Array.isArray(v) && nestsDeeper(v, depth + 1)) throw tooDeep(where);
        if (!this.#leaves.has(name)) {
          this.#leaves.set(name, { name, path: [...prefix, key] });
          assertColumnCount(this.#leaves.size, `record ${where}`, { record: where });
        }
      }
    }
  }

  /** The leaves found, in first-seen order. */
  get leaves(): JsonLeaf[] {
    return [...this.#leaves.values()];
  }
}

function tooDeep(where: number): ParseError {
  return new ParseError(`record ${where}: objects or arrays nest deeper than ${MAX_NESTING} levels`, {
    record: where,
  });
}

function nestsDeeper(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth > MAX_NESTING) return true;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    if (nestsDeeper(item, depth + 1)) return true;
  }
  return false;
}

/** What a sample teaches: its leaf columns, and the top-level key list most of its records have. */
export interface Learnt {
  readonly leaves: JsonLeaf[];
  /** Empty when no record is an object. */
  readonly commonKeys: string[];
  /**
   * Top-level keys whose sampled values are all finite JSON numbers other than 0 and 1 (nulls
   * aside, one number at least): DuckDB's reader turns `true` and `false` into 1 and 0, which the
   * type rule does not call numbers, so a 0 or 1 read as a number fails the guess.
   */
  readonly numbers: Set<string>;
}

/** The leaf columns of sampled records, their most common top-level key list, and their number-only keys. */
export function learnColumns(records: Iterable<unknown>): Learnt {
  const columns = new JsonColumns();
  const lists = new Map<string, { keys: string[]; count: number }>();
  // Consecutive records mostly share their key list: compared with the last one, it is not named again.
  let last: { keys: string[]; count: number } | undefined;
  const numbers = new Map<string, boolean>();
  let i = 0;
  for (const value of records) {
    columns.add(value, ++i);
    const keys = Object.keys(value as object);
    for (const key of keys) {
      const v = (value as Record<string, unknown>)[key];
      if (v === null || numbers.get(key) === false) continue;
      numbers.set(key, typeof v === 'number' && v !== 0 && v !== 1 && Number.isFinite(v));
    }
    if (last === undefined || !sameKeys(keys, last.keys)) {
      // No key holds NUL (`add` refuses it): with their count, keys joined by it name the list.
      const id = `${keys.length}\0${keys.join('\0')}`;
      last = lists.get(id) ?? { keys, count: 0 };
      lists.set(id, last);
    }
    last.count++;
  }
  let common: { keys: string[]; count: number } = { keys: [], count: 0 };
  for (const list of lists.values()) if (list.count > common.count) common = list;
  const numeric = new Set([...numbers].filter(([, yes]) => yes).map(([key]) => key));
  return { leaves: columns.leaves, commonKeys: common.keys, numbers: numeric };
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
