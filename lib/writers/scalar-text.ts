/**
 * Text forms of cell values shared by the text writers (CSV, JSON, XML).
 *
 * @module
 */
import { coerce } from '../values.js';
import type { ColumnType, Scalar } from '../types.js';

/**
 * A number in JavaScript's shortest round-trip form (`0.30000000000000004`,
 * `1e+21`), except that negative zero is written `-0` so that it reads back
 * as itself. Returns `null` for NaN and ±Infinity, which no text format here
 * can carry as a number: they are written as nulls.
 *
 * @param n - any number
 * @returns its text, or `null` when it is not finite
 */
export function numberText(n: number): string | null {
  if (n === 0) return 1 / n < 0 ? '-0' : '0';
  return Number.isFinite(n) ? String(n) : null;
}

/**
 * A cell coerced to `type` and written as text: numbers by
 * {@link numberText}, booleans as `true`/`false`, strings unchanged.
 *
 * @param v - the raw cell (`undefined` reads as null)
 * @param type - the column's type
 * @returns the text, or `null` when the cell is null or does not coerce to `type`
 */
export function cellText(v: Scalar | undefined, type: ColumnType): string | null {
  if (v == null) return null;
  const c = coerce(v, type);
  if (c === null) return null;
  if (typeof c === 'string') return c;
  if (typeof c === 'number') return numberText(c);
  return c ? 'true' : 'false';
}
