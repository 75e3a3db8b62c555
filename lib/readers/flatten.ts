import { ParseError } from '../errors.js';
import type { Scalar } from '../types.js';

/** Objects nested deeper than this in one record are refused: no real table is that deep. */
export const MAX_NESTING = 64;

function tooDeep(name: string): ParseError {
  return new ParseError(
    `field ${JSON.stringify(name.slice(0, 80))} nests objects or arrays too deeply (over ${MAX_NESTING} levels)`,
  );
}

/** Whether a value inside an array, at nesting `level` (the record is 0), goes over {@link MAX_NESTING}. */
function nestsTooDeep(v: unknown, level: number): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (level > MAX_NESTING) return true;
  const items = Array.isArray(v) ? v : Object.values(v);
  for (const item of items) if (nestsTooDeep(item, level + 1)) return true;
  return false;
}

/**
 * An array as its JSON text. Arrays obey the same depth limit as objects, so
 * that a record is accepted or refused alike whatever its size (the readers
 * check long texts before parsing them).
 */
function arrayText(name: string, v: unknown[], level: number): string {
  if (nestsTooDeep(v, level)) throw tooDeep(name);
  return JSON.stringify(v);
}

/**
 * Flattens a parsed JSON (or XML) value into `[column, scalar]` pairs:
 * nested objects become dotted names (`address.city`), arrays are kept as
 * their JSON text, and scalars stay as they are.
 *
 * @param value - a record (plain object)
 * @param prefix - name prefix for nested calls; `''` at the top
 * @param out - pairs are appended here
 * @param depth - nesting level of `value`, for nested calls
 * @throws `ParseError` for objects or arrays nested over {@link MAX_NESTING} levels
 *
 * @example
 * ```ts
 * flattenRecord({ a: 1, b: { c: null }, d: [1, 2] }, '', out);
 * // out: [['a', 1], ['b.c', null], ['d', '[1,2]']]
 * ```
 */
export function flattenRecord(
  value: Record<string, unknown>,
  prefix: string,
  out: [string, Scalar][],
  depth = 0,
): void {
  for (const key of Object.keys(value)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    const v = value[key];
    if (v === null || v === undefined) out.push([name, null]);
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.push([name, v]);
    else if (Array.isArray(v)) out.push([name, arrayText(name, v, depth + 1)]);
    else if (typeof v === 'object') {
      const nested = v as Record<string, unknown>;
      if (depth >= MAX_NESTING) throw tooDeep(name);
      if (Object.keys(nested).length === 0) out.push([name, null]);
      else flattenRecord(nested, name, out, depth + 1);
    } else out.push([name, String(v)]);
  }
}
