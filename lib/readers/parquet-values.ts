/**
 * Conversion of the values hyparquet decodes into the engine's scalars, one
 * converter per column chosen from its schema element, so the hot loop never
 * inspects a value's type.
 *
 * - integers, floats, decimals: numbers (NaN read as null, as pandas does);
 *   INT64 values beyond ±2^53 stay exact as decimal text;
 * - booleans and strings as they are;
 * - DATE: `YYYY-MM-DD`; TIMESTAMP: `YYYY-MM-DDTHH:MM:SS` with as many fraction
 *   digits as the unit holds (3, 6 or 9: nothing is rounded), and `Z` only when
 *   the column is adjusted to UTC (naive timestamps carry no zone); TIME:
 *   `HH:MM:SS.fff…` likewise; values outside the dates JavaScript can show: null;
 * - binary without a text annotation: base64;
 * - lists, maps and other nested values: JSON text with the same conversions inside.
 *
 * @module
 */
import type { ParquetParsers, SchemaElement, SchemaTree, TimeUnit } from 'hyparquet';
import type { ColumnType, Scalar } from '../types.js';
import { isoDate, isoTime, isoTimestamp } from './parquet-time.js';

/** How the values of one column become scalars, and the column's type. */
export interface ValueConversion {
  /** Logical type of the column's scalars. */
  readonly type: ColumnType;
  /** Converts one value as decoded by hyparquet (with {@link RAW_PARSERS}). */
  readonly convert: (v: unknown) => Scalar;
}

const utf8 = new TextDecoder();

/**
 * Parsers given to hyparquet: dates and timestamps come raw (days, or an
 * integer count of the unit) so their conversion can keep the unit's full
 * precision and the column's time zone flag; JSON stays as its text.
 */
export const RAW_PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (v: bigint) => v,
  timestampFromMicroseconds: (v: bigint) => v,
  timestampFromNanoseconds: (v: bigint) => v,
  dateFromDays: (days: number) => days,
  jsonFromBytes: (bytes: Uint8Array | undefined) => bytes && utf8.decode(bytes),
};

/** A bigint as a number when exactly representable, else as its decimal text. */
export function int64Scalar(v: bigint): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v.toString();
}

/** Base64 text of bytes. */
const base64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

/** Any decoded value without schema guidance, JSON-ready (used inside variants and unknown shapes). */
function plainValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') return int64Scalar(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return base64(v);
  if (Array.isArray(v)) return v.map(plainValue);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plainValue(x);
    return out;
  }
  return v;
}

function timestampUnit(e: SchemaElement): TimeUnit | undefined {
  if (e.logical_type?.type === 'TIMESTAMP') return e.logical_type.unit;
  if (e.converted_type === 'TIMESTAMP_MILLIS') return 'MILLIS';
  if (e.converted_type === 'TIMESTAMP_MICROS') return 'MICROS';
  if (e.type === 'INT96' && e.converted_type === undefined) return 'NANOS';
  return undefined;
}

function timeUnit(e: SchemaElement): TimeUnit | undefined {
  if (e.logical_type?.type === 'TIME') return e.logical_type.unit;
  if (e.converted_type === 'TIME_MILLIS') return 'MILLIS';
  if (e.converted_type === 'TIME_MICROS') return 'MICROS';
  return undefined;
}

const isNull = (v: unknown): v is null | undefined => v === null || v === undefined;

const NUMBER: ValueConversion = {
  type: 'number',
  // `v !== v` is NaN; hyparquet gives numbers here (decimals included).
  convert: (v) => (isNull(v) || v !== v ? null : (v as number)),
};
const INT64: ValueConversion = {
  type: 'number',
  convert: (v) => (isNull(v) ? null : typeof v === 'bigint' ? int64Scalar(v) : (v as number)),
};
const BOOLEAN: ValueConversion = { type: 'boolean', convert: (v) => (isNull(v) ? null : (v as boolean)) };
const TEXT: ValueConversion = {
  type: 'string',
  // ENUM columns may come as bytes: they are text all the same.
  convert: (v) => (isNull(v) ? null : v instanceof Uint8Array ? utf8.decode(v) : (v as string)),
};
const BYTES: ValueConversion = {
  type: 'string',
  convert: (v) => (isNull(v) ? null : v instanceof Uint8Array ? base64(v) : String(v)),
};
/** Dates repeat (a dictionary of days per page, typically): their text is kept, up to a bound. */
const dateTexts = new Map<number, string | null>();
function dateText(days: number): string | null {
  let text = dateTexts.get(days);
  if (text === undefined) {
    if (dateTexts.size >= 65_536) dateTexts.clear();
    dateTexts.set(days, (text = isoDate(days)));
  }
  return text;
}
const DATE: ValueConversion = { type: 'string', convert: (v) => (isNull(v) ? null : dateText(v as number)) };

const JSON_TEXT: ValueConversion = {
  type: 'string',
  convert: (v) => (isNull(v) ? null : JSON.stringify(plainValue(v))),
};

/**
 * Why a leaf column cannot be read, or undefined when it can: hyparquet
 * does not decode INTERVAL and BSON values.
 */
export function unsupportedType(e: SchemaElement): string | undefined {
  if (e.converted_type === 'INTERVAL' || e.logical_type?.type === 'INTERVAL') return 'INTERVAL';
  if (e.converted_type === 'BSON' || e.logical_type?.type === 'BSON') return 'BSON';
  return undefined;
}

/**
 * The conversion of a leaf (non-nested) column from its schema element:
 * `number` for integers, floats and decimals, `boolean`, else `string`.
 */
export function leafConversion(e: SchemaElement): ValueConversion {
  const tsUnit = timestampUnit(e);
  if (tsUnit) {
    const utc = e.logical_type?.type === 'TIMESTAMP' ? e.logical_type.isAdjustedToUTC : e.type !== 'INT96';
    return {
      type: 'string',
      convert: (v) =>
        isNull(v) ? null : isoTimestamp(typeof v === 'bigint' ? v : BigInt(v as number), tsUnit, utc),
    };
  }
  const tUnit = timeUnit(e);
  if (tUnit)
    return { type: 'string', convert: (v) => (isNull(v) ? null : isoTime(v as number | bigint, tUnit)) };
  if (e.converted_type === 'DATE' || e.logical_type?.type === 'DATE') return DATE;
  if (e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL') return NUMBER;
  const logical = e.logical_type?.type;
  if (logical === 'GEOMETRY' || logical === 'GEOGRAPHY' || logical === 'VARIANT') return JSON_TEXT;
  switch (e.type) {
    case 'BOOLEAN':
      return BOOLEAN;
    case 'INT32':
    case 'FLOAT':
    case 'DOUBLE':
      return NUMBER;
    case 'INT64':
      return INT64;
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY': {
      if (logical === 'FLOAT16') return NUMBER;
      const text =
        e.converted_type === 'UTF8' ||
        e.converted_type === 'ENUM' ||
        e.converted_type === 'JSON' ||
        logical === 'STRING' ||
        logical === 'ENUM' ||
        logical === 'JSON' ||
        logical === 'UUID';
      return text ? TEXT : BYTES;
    }
    default:
      return BYTES;
  }
}

const isList = (node: SchemaTree): boolean =>
  (node.element.converted_type === 'LIST' || node.element.logical_type?.type === 'LIST') &&
  node.children.length === 1 &&
  node.children[0]!.element.repetition_type === 'REPEATED';

const isMap = (node: SchemaTree): boolean =>
  (node.element.converted_type === 'MAP' ||
    node.element.converted_type === 'MAP_KEY_VALUE' ||
    node.element.logical_type?.type === 'MAP') &&
  node.children.length === 1 &&
  node.children[0]!.children.length === 2;

/** Whether a group is a plain struct (not a list, a map, a variant, nor repeated). */
export function isStruct(node: SchemaTree): boolean {
  return (
    node.children.length > 0 &&
    node.element.repetition_type !== 'REPEATED' &&
    node.element.logical_type?.type !== 'VARIANT' &&
    !isList(node) &&
    !isMap(node)
  );
}

/** Leaf conversions of the nodes met inside nested values, built once per schema element. */
const leafConversions = new WeakMap<SchemaElement, ValueConversion>();

function cachedLeafConversion(e: SchemaElement): ValueConversion {
  let conversion = leafConversions.get(e);
  if (!conversion) leafConversions.set(e, (conversion = leafConversion(e)));
  return conversion;
}

/**
 * A nested value as plain JSON data, shaped by its schema node the way
 * hyparquet assembles it: lists as arrays, maps and structs as objects,
 * leaves converted like top-level columns. `item` marks one occurrence of a
 * repeated node (hyparquet gives the repeated node's values as an array).
 */
function nestedValue(v: unknown, node: SchemaTree, item = false): unknown {
  if (isNull(v)) return null;
  if (!item && node.element.repetition_type === 'REPEATED' && Array.isArray(v)) {
    return v.map((x) => nestedValue(x, node, true));
  }
  if (node.children.length === 0) {
    const leaf = cachedLeafConversion(node.element);
    // Geometries and variants are already JSON data: kept as such rather than as quoted text.
    return leaf === JSON_TEXT ? plainValue(v) : leaf.convert(v);
  }
  if (isList(node) && Array.isArray(v)) {
    const repeated = node.children[0]!;
    // Three-level lists wrap each element in the repeated group; legacy two-level lists do not.
    if (repeated.children.length === 1) return v.map((x) => nestedValue(x, repeated.children[0]!));
    return v.map((x) => nestedValue(x, repeated, true));
  }
  if (isMap(node) && typeof v === 'object') {
    const valueNode = node.children[0]!.children[1]!;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = nestedValue(x, valueNode);
    return out;
  }
  // hyparquet decodes variants itself: their value is not shaped by the schema's children.
  const variant = node.element.logical_type?.type === 'VARIANT';
  if (!variant && typeof v === 'object' && !Array.isArray(v) && !isMap(node) && !isList(node)) {
    const record = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const child of node.children) {
      out[child.element.name] = nestedValue(record[child.element.name], child);
    }
    return out;
  }
  return plainValue(v);
}

/** The conversion of a list, map or variant column: JSON text, `string`. */
export function nestedConversion(node: SchemaTree): ValueConversion {
  return { type: 'string', convert: (v) => (isNull(v) ? null : JSON.stringify(nestedValue(v, node))) };
}
