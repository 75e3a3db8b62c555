/**
 * A small in-memory reference implementation of the three operations, in
 * plain JavaScript, written from the README's definitions: the oracle the
 * engine (DuckDB) is checked against, so that no test compares DuckDB with
 * itself.
 */
import type { Aggregation } from '../../../lib/compute-request.js';

/** A cell of the reference tables. */
export type Cell = string | number | boolean | null;
/** A row of the reference tables. */
export type Row = Record<string, Cell>;

function compareText(a: string, b: string): number {
  // Code point order, as the README specifies (UTF-16 order differs above U+D800).
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Ascending, nulls last; numbers numerically, text by code point, false before true. */
export function compareCells(a: Cell, b: Cell): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return compareText(String(a), String(b));
}

const numbers = (values: Cell[]): number[] => values.filter((v): v is number => typeof v === 'number');

function mean(xs: number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length;
}

function variance(xs: number[], ddof: number): number | null {
  if (xs.length - ddof <= 0) return null;
  const m = mean(xs)!;
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - ddof);
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function extreme(values: Cell[], sign: 1 | -1): Cell {
  const present = values.filter((v) => v !== null);
  if (present.length === 0) return null;
  return present.reduce((best, v) => (compareCells(v, best) * sign < 0 ? v : best));
}

/** One aggregation over a group's cells of a column. */
export function aggregate(agg: Aggregation, values: Cell[], ddof = 1): Cell {
  const xs = numbers(values);
  switch (agg) {
    case 'count':
      return values.filter((v) => v !== null).length;
    case 'sum':
      return xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0);
    case 'mean':
      return mean(xs);
    case 'variance':
      return variance(xs, ddof);
    case 'std': {
      const v = variance(xs, ddof);
      return v === null ? null : Math.sqrt(v);
    }
    case 'median':
      return median(xs);
    case 'min':
      return extreme(values, 1);
    case 'max':
      return extreme(values, -1);
    case 'nunique':
      return new Set(values.filter((v) => v !== null)).size;
  }
}

/** `stats` of the README over `columns`. */
export function referenceStats(rows: Row[], columns: string[], ddof = 1): Row[] {
  return columns.map((c) => {
    const values = rows.map((r) => r[c] ?? null);
    const xs = numbers(values);
    const v = variance(xs, ddof);
    return {
      column: c,
      count: xs.length,
      nulls: values.length - xs.length,
      mean: mean(xs),
      variance: v,
      std: v === null ? null : Math.sqrt(v),
      min: xs.length === 0 ? null : Math.min(...xs),
      max: xs.length === 0 ? null : Math.max(...xs),
    };
  });
}

/** `group_by` of the README. */
export function referenceGroupBy(
  rows: Row[],
  keys: string[],
  aggregations: Record<string, Aggregation[]>,
  ddof = 1,
): Row[] {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const id = JSON.stringify(keys.map((k) => row[k] ?? null));
    const group = groups.get(id);
    if (group === undefined) groups.set(id, [row]);
    else group.push(row);
  }
  const out: Row[] = [];
  for (const members of groups.values()) {
    const result: Row = {};
    for (const k of keys) result[k] = members[0]![k] ?? null;
    result.count = members.length;
    for (const [column, aggs] of Object.entries(aggregations)) {
      const values = members.map((r) => r[column] ?? null);
      for (const agg of aggs) result[`${column}_${agg}`] = aggregate(agg, values, ddof);
    }
    out.push(result);
  }
  return out.sort((a, b) => {
    for (const k of keys) {
      const d = compareCells(a[k] ?? null, b[k] ?? null);
      if (d !== 0) return d;
    }
    return 0;
  });
}

/** `non_null` of the README. */
export function referenceNonNull(rows: Row[], columns: string[], how: 'all' | 'any' = 'all'): Row[] {
  return rows.filter((r) =>
    how === 'all'
      ? columns.every((c) => (r[c] ?? null) !== null)
      : columns.some((c) => (r[c] ?? null) !== null),
  );
}
