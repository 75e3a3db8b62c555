/**
 * Column types by the documented rule, decided in SQL over the whole
 * column: numeric when every non-null value is a decimal number, boolean
 * when every one is `true`/`false` (any case), text otherwise; a column with
 * no value is numeric. Typed inputs (Parquet) keep their own types.
 *
 * @module
 */
import type { ColumnType } from '../types.js';
import type { SourceColumn } from './columns.js';

/** A column with its decided type. */
export interface TypedColumn {
  readonly name: string;
  /** SQL of the raw cell (text for text columns). */
  readonly raw: string;
  /** SQL of the typed cell. */
  readonly expr: string;
  readonly type: ColumnType;
  /** Numbers kept exact (integers, decimals) rather than DOUBLE. */
  readonly exact: boolean;
}

/** SQL of a text cell as a number (NULL when it is not one). */
export const asNumber = (raw: string): string => `df_num(${raw})`;
/** SQL of a text cell as a boolean (NULL when it is not one). */
export const asBoolean = (raw: string): string => `df_bool(${raw})`;

/**
 * The typed form of a source column.
 *
 * @param column - the source column
 * @param type - its type: decided by {@link typeFromCounts} for text columns, ignored otherwise
 */
export function typed(column: SourceColumn, type?: ColumnType): TypedColumn {
  if (column.kind !== 'text') {
    return {
      name: column.name,
      raw: column.expr,
      expr: column.expr,
      type: column.kind,
      exact: column.exact === true,
    };
  }
  const t = type ?? 'string';
  const expr =
    t === 'number' ? asNumber(column.expr) : t === 'boolean' ? asBoolean(column.expr) : column.expr;
  return { name: column.name, raw: column.expr, expr, type: t, exact: false };
}

/**
 * SQL aggregates that count, over a text column, its values, those that are
 * not numbers and those that are not booleans: `[values, notNumbers, notBooleans]`.
 */
export function typeCounters(raw: string): [string, string, string] {
  return [
    `count(${raw})`,
    `count(${raw}) - count(${asNumber(raw)})`,
    `count(${raw}) - count(${asBoolean(raw)})`,
  ];
}

/** The type the rule gives a text column from its counters. */
export function typeFromCounts(values: number, notNumbers: number, notBooleans: number): ColumnType {
  if (notNumbers === 0) return 'number';
  if (notBooleans === 0 && values > 0) return 'boolean';
  return 'string';
}

/**
 * SQL aggregates that count, over a text column, the values that may share
 * their typed value with another text: `[asNumber, asBoolean]`. A value not
 * counted is canonical (an integer's own digits within ±2^53, or `true` /
 * `false` in lower case), and two different canonical texts never type to the
 * same value; so when a column's counter is 0, typing it merges no two
 * distinct texts, and no pass over its distinct typed values is needed.
 */
export function notCanonicalCounters(raw: string): [string, string] {
  return [
    `count(${raw}) FILTER (WHERE CAST(TRY_CAST(${raw} AS BIGINT) AS VARCHAR) IS DISTINCT FROM ${raw} ` +
      `OR TRY_CAST(${raw} AS BIGINT) NOT BETWEEN -9007199254740992 AND 9007199254740992)`,
    `count(${raw}) FILTER (WHERE ${raw} NOT IN ('true', 'false'))`,
  ];
}
