import type { Scalar } from '../types.js';

/**
 * Flattens a parsed JSON (or XML) value into `[column, scalar]` pairs:
 * nested objects become dotted names (`address.city`), arrays are kept as
 * their JSON text, and scalars stay as they are.
 *
 * @param value - a record (plain object)
 * @param prefix - name prefix for nested calls; `''` at the top
 * @param out - pairs are appended here
 *
 * @example
 * ```ts
 * flattenRecord({ a: 1, b: { c: null }, d: [1, 2] }, '', out);
 * // out: [['a', 1], ['b.c', null], ['d', '[1,2]']]
 * ```
 */
export function flattenRecord(value: Record<string, unknown>, prefix: string, out: [string, Scalar][]): void {
  for (const key of Object.keys(value)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    const v = value[key];
    if (v === null || v === undefined) out.push([name, null]);
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.push([name, v]);
    else if (Array.isArray(v)) out.push([name, JSON.stringify(v)]);
    else if (typeof v === 'object') {
      const nested = v as Record<string, unknown>;
      if (Object.keys(nested).length === 0) out.push([name, null]);
      else flattenRecord(nested, name, out);
    } else out.push([name, String(v)]);
  }
}
