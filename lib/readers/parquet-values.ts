/**
 * Conversion of the values hyparquet decodes into the engine's scalars.
 *
 * @module
 */
import type { SchemaElement } from 'hyparquet';
import type { ColumnType, Scalar } from '../types.js';

/** How one Parquet column's values are turned into scalars, and the column's type. */
export interface ColumnConversion {
  readonly type: ColumnType;
  /** Converts one decoded value. */
  readonly convert: (v: unknown) => Scalar;
}

const isDateOnly = (e: SchemaElement): boolean =>
  e.converted_type === 'DATE' || e.logical_type?.type === 'DATE';

/** Text form of a value that has no scalar form (bytes, nested values), JSON with BigInt as text. */
export function jsonText(v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'bigint'
      ? Number.isSafeInteger(Number(x))
        ? Number(x)
        : x.toString()
      : x instanceof Uint8Array
        ? Buffer.from(x).toString('base64')
        : x,
  );
}

/**
 * Converts any decoded value: BigInt to a number when it is exactly
 * representable, else to its decimal text; dates to ISO-8601 (date only for
 * DATE columns); NaN to null (as pandas reads it); bytes to base64; nested
 * values to JSON text.
 */
function convertValue(v: unknown, dateOnly: boolean): Scalar {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number':
      return v === v ? v : null;
    case 'string':
    case 'boolean':
      return v;
    case 'bigint': {
      const n = Number(v);
      return Number.isSafeInteger(n) ? n : v.toString();
    }
  }
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return null;
    const iso = v.toISOString();
    return dateOnly ? iso.slice(0, 10) : iso;
  }
  return jsonText(v);
}

/**
 * The conversion of a top-level column, from its schema element. Numbers,
 * decimals and integers are `number` (INT64 values beyond 2^53 come as text
 * and lose precision if used as numbers); booleans `boolean`; anything else
 * (text, dates, timestamps, bytes, nested) `string`.
 */
export function conversionOf(element: SchemaElement, nested: boolean): ColumnConversion {
  const dateOnly = isDateOnly(element);
  const convert = (v: unknown): Scalar => convertValue(v, dateOnly);
  if (nested) return { type: 'string', convert: (v) => (v === null || v === undefined ? null : jsonText(v)) };
  const temporal =
    dateOnly ||
    element.converted_type?.startsWith('TIMESTAMP') === true ||
    element.converted_type?.startsWith('TIME_') === true ||
    element.logical_type?.type === 'TIMESTAMP' ||
    element.logical_type?.type === 'TIME' ||
    element.type === 'INT96';
  if (temporal) return { type: 'string', convert };
  switch (element.type) {
    case 'BOOLEAN':
      return { type: 'boolean', convert };
    case 'INT32':
    case 'INT64':
    case 'FLOAT':
    case 'DOUBLE':
      return { type: 'number', convert };
    default:
      return {
        type:
          element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL'
            ? 'number'
            : 'string',
        convert,
      };
  }
}
