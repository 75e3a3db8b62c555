/**
 * Per-group, per-column aggregation state of `group_by`: mergeable, so that
 * groups whose raw keys turn out equal once typed ("1.0" and "1" in a
 * numeric column) can be folded together at the end.
 *
 * @module
 */
import type { Aggregation } from '../compute-request.js';
import { NonNumericColumnError } from '../errors.js';
import type { ColumnType, Scalar } from '../types.js';
import { coerce, parseBooleanText, toNumber } from '../values.js';
import {
  addValue,
  emptyMoments,
  meanOf,
  medianOf,
  mergeMoments,
  stdOf,
  sumOf,
  varianceOf,
  type Moments,
} from './moments.js';
import { compareText } from './order.js';

/** Which kinds of state an aggregated column needs, derived once from the requested aggregations. */
export interface ColumnPlan {
  readonly column: string;
  readonly aggregations: readonly Aggregation[];
  /** sum, mean, variance or std: values must be numeric. */
  readonly moments: boolean;
  readonly median: boolean;
  readonly nunique: boolean;
  readonly minMax: boolean;
  /**
   * min/max also track the text and boolean extremes, needed when the column
   * may turn out text or boolean; not when it is known numeric.
   */
  readonly textExtremes: boolean;
}

/**
 * Builds the plan of one aggregated column.
 *
 * @param column - the column's name
 * @param aggregations - what is asked of it
 * @param knownType - its type when the format tells it before any row is read (Parquet)
 */
export function planColumn(
  column: string,
  aggregations: readonly Aggregation[],
  knownType?: ColumnType,
): ColumnPlan {
  const has = (...names: Aggregation[]): boolean => names.some((n) => aggregations.includes(n));
  return {
    column,
    aggregations,
    moments: has('sum', 'mean', 'variance', 'std'),
    median: has('median'),
    nunique: has('nunique'),
    minMax: has('min', 'max'),
    textExtremes: has('min', 'max') && knownType !== 'number',
  };
}

/** Aggregation state of one column within one group. */
export class ColumnState {
  count = 0;
  moments: Moments | undefined;
  values: number[] | undefined;
  distinct: Set<Scalar> | undefined;
  minNumber = Infinity;
  maxNumber = -Infinity;
  minText: string | undefined;
  maxText: string | undefined;
  sawTrue = false;
  sawFalse = false;

  constructor(readonly plan: ColumnPlan) {
    if (plan.moments) this.moments = emptyMoments();
    if (plan.median) this.values = [];
    if (plan.nunique) this.distinct = new Set();
  }

  /**
   * Folds one non-null cell.
   *
   * @param v - the cell
   * @param row - its 1-based data row, for errors
   * @param parsed - the cell as a number (NaN for text that is not one) when the caller parsed it already
   * @throws `NonNumericColumnError` when a numeric aggregation meets a non-number
   */
  add(v: Scalar & {}, row: number, parsed?: number): void {
    this.count++;
    const plan = this.plan;
    if (plan.moments || plan.median || plan.minMax) {
      let x = parsed ?? (typeof v === 'number' ? v : toNumber(v));
      // A parsed NaN marks text that is not a number; a NaN cell is kept as it is.
      if (x !== undefined && x !== x && typeof v !== 'number') x = undefined;
      if (x === undefined) {
        if (plan.moments || plan.median) {
          throw new NonNumericColumnError(plan.column, String(v), `data row ${row}`);
        }
      } else {
        if (this.moments) addValue(this.moments, x);
        this.values?.push(x);
        if (x < this.minNumber) this.minNumber = x;
        if (x > this.maxNumber) this.maxNumber = x;
      }
      if (plan.textExtremes) this.#addText(v);
    }
    this.distinct?.add(v);
  }

  #addText(v: Scalar & {}): void {
    const text = typeof v === 'string' ? v : String(v);
    if (this.minText === undefined || compareText(text, this.minText) < 0) this.minText = text;
    if (this.maxText === undefined || compareText(text, this.maxText) > 0) this.maxText = text;
    const b = typeof v === 'boolean' ? v : parseBooleanText(text);
    if (b === true) this.sawTrue = true;
    else if (b === false) this.sawFalse = true;
  }

  /** Folds another group's state of the same column into this one. */
  merge(other: ColumnState): void {
    this.count += other.count;
    if (this.moments && other.moments) mergeMoments(this.moments, other.moments);
    if (this.values && other.values) for (const x of other.values) this.values.push(x);
    if (this.distinct && other.distinct) for (const v of other.distinct) this.distinct.add(v);
    if (other.minNumber < this.minNumber) this.minNumber = other.minNumber;
    if (other.maxNumber > this.maxNumber) this.maxNumber = other.maxNumber;
    if (
      other.minText !== undefined &&
      (this.minText === undefined || compareText(other.minText, this.minText) < 0)
    ) {
      this.minText = other.minText;
    }
    if (
      other.maxText !== undefined &&
      (this.maxText === undefined || compareText(other.maxText, this.maxText) > 0)
    ) {
      this.maxText = other.maxText;
    }
    this.sawTrue ||= other.sawTrue;
    this.sawFalse ||= other.sawFalse;
  }

  /** The value of one aggregation, given the column's final type. */
  result(agg: Aggregation, type: ColumnType, ddof: 0 | 1): Scalar {
    const m = this.moments ?? emptyMoments();
    switch (agg) {
      case 'count':
        return this.count;
      case 'sum':
        return sumOf(m);
      case 'mean':
        return meanOf(m);
      case 'variance':
        return varianceOf(m, ddof);
      case 'std':
        return stdOf(m, ddof);
      case 'median':
        return medianOf(this.values ?? []);
      case 'nunique':
        return this.#distinctCount(type);
      case 'min':
        return this.#extreme(type, 'min');
      case 'max':
        return this.#extreme(type, 'max');
    }
  }

  #distinctCount(type: ColumnType): number {
    if (!this.distinct) return 0;
    // Raw cells may spell one typed value several ways ("1", "1.0", 1): count typed values.
    const typed = new Set<Scalar>();
    for (const v of this.distinct) typed.add(coerce(v, type));
    return typed.size;
  }

  #extreme(type: ColumnType, which: 'min' | 'max'): Scalar {
    if (this.count === 0) return null;
    switch (type) {
      case 'number':
        return which === 'min' ? this.minNumber : this.maxNumber;
      case 'boolean':
        return which === 'min' ? !this.sawFalse : this.sawTrue;
      case 'string':
        return (which === 'min' ? this.minText : this.maxText) ?? null;
    }
  }
}

/** One group: its raw key cells, its row count and the state of each aggregated column. */
export interface Group {
  keys: Scalar[];
  rows: number;
  readonly columns: ColumnState[];
}

/** A new empty group for `keys`. */
export function newGroup(keys: Scalar[], plans: readonly ColumnPlan[]): Group {
  return { keys, rows: 0, columns: plans.map((p) => new ColumnState(p)) };
}

/** Folds group `b` into group `a` (same plans). */
export function mergeGroups(a: Group, b: Group): void {
  a.rows += b.rows;
  for (let i = 0; i < a.columns.length; i++) a.columns[i]!.merge(b.columns[i]!);
}
