/**
 * Orderings and group keys shared by the operations.
 *
 * @module
 */
import type { ColumnType, Scalar } from '../types.js';

/**
 * Compares two strings by Unicode code point (the order of UTF-8 bytes, as
 * DuckDB and most databases sort text), where JavaScript's `<` compares
 * UTF-16 code units and puts U+E000–U+FFFF after astral characters.
 */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (astral code points) must sort after U+E000–U+FFFF.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * Compares two cells of a column of the given type, ascending, with nulls
 * last. Cells must already be coerced to that type.
 */
export function compareCells(a: Scalar, b: Scalar, type: ColumnType): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  switch (type) {
    case 'number':
      return (a as number) - (b as number);
    case 'boolean':
      return Number(a) - Number(b);
    case 'string':
      return compareText(a as string, b as string);
  }
}

/**
 * Encodes a tuple of cells as one string usable as a Map key: each part is
 * tagged with its JavaScript type and length-prefixed, so no two different
 * tuples share an encoding whatever characters the values hold.
 */
export function encodeKey(values: readonly Scalar[]): string {
  let key = '';
  for (const v of values) {
    if (v === null) key += 'z;';
    else if (typeof v === 'string') key += `s${v.length}:${v}`;
    else if (typeof v === 'number') key += `n${v};`;
    else key += v ? 'T;' : 'F;';
  }
  return key;
}
