/**
 * Cell values: number and boolean recognition in text, column type
 * inference, and coercion of raw cells to a column's type.
 *
 * @module
 */
import type { ColumnType, Scalar } from './types.js';

const CH_0 = 48;
const CH_9 = 57;

/**
 * Parses a decimal number written as text (`12`, `-0.5`, `.5`, `1e-3`), or
 * returns `undefined`. Refuses what `Number()` would otherwise accept but a
 * data file does not mean as a number: surrounding spaces, hex/octal/binary
 * literals, `Infinity`, and the empty string.
 */
export function parseNumberText(s: string): number | undefined {
  const n = +s;
  if (n !== n || n === Infinity || n === -Infinity || s.length === 0) return undefined;
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  if (!((first >= CH_0 && first <= CH_9) || first === 43 || first === 45 || first === 46)) return undefined;
  if (!((last >= CH_0 && last <= CH_9) || last === 46)) return undefined;
  if (s.length > 2) {
    const second = s.charCodeAt(1) | 0x20;
    if (second === 120 || second === 111 || second === 98) return undefined; // 0x, 0o, 0b
  }
  return n;
}

/** Parses `true` / `false` in any letter case, or returns `undefined`. */
export function parseBooleanText(s: string): boolean | undefined {
  if (s.length === 4 && s.toLowerCase() === 'true') return true;
  if (s.length === 5 && s.toLowerCase() === 'false') return false;
  return undefined;
}

/** The number a cell stands for, or `undefined` when it is not numeric (booleans are not numbers). */
export function toNumber(v: Scalar): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') return parseNumberText(v);
  return undefined;
}

/**
 * Infers a column's type from its non-null values, one value at a time:
 * `number` when every value is numeric, `boolean` when every value is a
 * boolean, `string` otherwise. A column with no value at all is `number`
 * (every one of its zero values is numeric), so `stats` on it gives nulls.
 */
export class TypeTracker {
  #canNumber = true;
  #canBoolean = true;
  #seen = false;

  /** Folds one cell into the inference. */
  observe(v: Scalar): void {
    if (v === null) return;
    this.#seen = true;
    if (this.#canNumber && toNumber(v) === undefined) this.#canNumber = false;
    if (
      this.#canBoolean &&
      typeof v !== 'boolean' &&
      (typeof v !== 'string' || parseBooleanText(v) === undefined)
    ) {
      this.#canBoolean = false;
    }
  }

  /** Folds every cell of a column slice into the inference. */
  observeAll(values: ArrayLike<Scalar>): void {
    for (let i = 0; i < values.length; i++) {
      if (!this.#canNumber && !this.#canBoolean) return;
      this.observe(values[i]!);
    }
  }

  /** Merges another tracker's knowledge into this one. */
  merge(other: TypeTracker): void {
    this.#canNumber &&= other.#canNumber;
    this.#canBoolean &&= other.#canBoolean;
    this.#seen ||= other.#seen;
  }

  /** The inferred type so far. */
  get type(): ColumnType {
    if (this.#canNumber) return 'number';
    if (this.#canBoolean && this.#seen) return 'boolean';
    return 'string';
  }
}

/**
 * Converts a raw cell to the column's type: numeric text to a number,
 * boolean text to a boolean, and anything to text for string columns
 * (numbers in their shortest round-trip form).
 */
export function coerce(v: Scalar, type: ColumnType): Scalar {
  if (v === null) return null;
  switch (type) {
    case 'number':
      if (typeof v === 'number') return v;
      return toNumber(v) ?? null;
    case 'boolean':
      if (typeof v === 'boolean') return v;
      return typeof v === 'string' ? (parseBooleanText(v) ?? null) : null;
    case 'string':
      return typeof v === 'string' ? v : String(v);
  }
}
