/**
 * The `group_by` operation: one output row per distinct key tuple (null
 * keys form their own group) with the group's row count and the requested
 * aggregations, sorted by the keys ascending with nulls last. Memory holds
 * one state per group (plus the values for `median` and `nunique`), never
 * the table.
 *
 * @module
 */
import type { Aggregation } from '../compute-request.js';
import { InvalidRequestError } from '../errors.js';
import type { Batch, ColumnSpec, ColumnType, Scalar, TableSource } from '../types.js';
import { coerce, TypeTracker } from '../values.js';
import { assertColumnsExist, ColumnUnion, columnValues } from './columns.js';
import { mergeGroups, newGroup, planColumn, type ColumnPlan, type Group } from './group-state.js';
import { compareCells, encodeKey } from './order.js';

/** Parameters of `group_by`. */
export interface GroupByParams {
  /** Key columns, in output order. */
  readonly keys: readonly string[];
  /** Aggregations per column, in output order (object key order, then list order). */
  readonly aggregations?: Readonly<Record<string, readonly Aggregation[]>>;
  /** Delta degrees of freedom of variance and std: 1 (sample, default) or 0. */
  readonly ddof?: 0 | 1;
}

/** Result of {@link computeGroupBy}: the output schema and rows, plus the rows read. */
export interface GroupByResult {
  readonly schema: ColumnSpec[];
  readonly rows: Record<string, Scalar>[];
  readonly rowsIn: number;
}

/** Folds batches into groups keyed by their raw cells. */
class Grouper {
  readonly groups = new Map<Scalar | string, Group>();
  readonly keyTypes: TypeTracker[];
  readonly valueTypes: TypeTracker[];

  constructor(
    readonly keys: readonly string[],
    readonly plans: readonly ColumnPlan[],
  ) {
    this.keyTypes = keys.map(() => new TypeTracker());
    this.valueTypes = plans.map(() => new TypeTracker());
  }

  fold(batch: Batch): void {
    const rows = batch.table.numRows();
    const keyCols = this.keys.map((k) => columnValues(batch, k));
    const valueCols = this.plans.map((p) => columnValues(batch, p.column));
    keyCols.forEach((col, i) => col && this.keyTypes[i]!.observeAll(col));
    valueCols.forEach((col, i) => col && this.valueTypes[i]!.observeAll(col));
    const single = keyCols.length === 1 ? keyCols[0] : undefined;
    const tuple: Scalar[] = new Array<Scalar>(keyCols.length);
    for (let r = 0; r < rows; r++) {
      let group: Group | undefined;
      if (keyCols.length === 1) {
        // One key: the raw cell itself is the Map key, with no string building per row.
        const k = single ? single[r]! : null;
        group = this.groups.get(k);
        if (group === undefined) this.groups.set(k, (group = newGroup([k], this.plans)));
      } else {
        for (let i = 0; i < keyCols.length; i++) tuple[i] = keyCols[i]?.[r] ?? null;
        const code = encodeKey(tuple);
        group = this.groups.get(code);
        if (group === undefined) this.groups.set(code, (group = newGroup([...tuple], this.plans)));
      }
      group.rows++;
      for (let c = 0; c < valueCols.length; c++) {
        const v = valueCols[c]?.[r] ?? null;
        if (v !== null) group.columns[c]!.add(v, batch.firstRow + r);
      }
    }
  }

  /** Groups re-keyed by typed keys, equal typed keys merged. */
  typedGroups(types: readonly ColumnType[]): Group[] {
    const merged = new Map<string, Group>();
    for (const group of this.groups.values()) {
      const typed = group.keys.map((k, i) => coerce(k, types[i]!));
      const code = encodeKey(typed);
      const existing = merged.get(code);
      if (existing) mergeGroups(existing, group);
      else merged.set(code, { ...group, keys: typed });
    }
    return [...merged.values()];
  }
}

function plansOf(aggregations: GroupByParams['aggregations']): ColumnPlan[] {
  return Object.entries(aggregations ?? {}).map(([column, aggs]) => planColumn(column, aggs));
}

function outputSchema(
  keys: readonly string[],
  keyTypes: readonly ColumnType[],
  plans: readonly ColumnPlan[],
  valueTypes: readonly ColumnType[],
): ColumnSpec[] {
  const schema: ColumnSpec[] = keys.map((name, i) => ({ name, type: keyTypes[i]! }));
  schema.push({ name: 'count', type: 'number' });
  plans.forEach((plan, i) => {
    for (const agg of plan.aggregations) {
      const type = agg === 'min' || agg === 'max' ? valueTypes[i]! : 'number';
      schema.push({ name: `${plan.column}_${agg}`, type });
    }
  });
  const seen = new Set<string>();
  const clashes = schema
    .filter((c) => (seen.has(c.name) ? true : (seen.add(c.name), false)))
    .map((c) => c.name);
  if (clashes.length > 0) {
    throw new InvalidRequestError(
      `output column names clash: ${clashes.join(', ')}; rename the input columns`,
      {
        clashes,
      },
    );
  }
  return schema;
}

/**
 * Groups the input by `keys` and aggregates, in one streaming pass.
 *
 * @param source - the input
 * @param params - keys, aggregations and ddof
 * @returns the output schema and rows, sorted by keys ascending, nulls last
 * @throws `UnknownColumnError` when a key or aggregated column is not in the input
 * @throws `NonNumericColumnError` when sum/mean/variance/std/median meet a non-number
 * @throws `InvalidRequestError` when output column names would clash
 * @throws `ParseError` from the reader
 */
export async function computeGroupBy(source: TableSource, params: GroupByParams): Promise<GroupByResult> {
  const plans = plansOf(params.aggregations);
  const wanted = [...params.keys, ...plans.map((p) => p.column)];
  const header = await source.header();
  if (header) assertColumnsExist(wanted, header);
  const grouper = new Grouper(params.keys, plans);
  const seen = new ColumnUnion();
  let rowsIn = 0;
  for await (const batch of source.batches()) {
    grouper.fold(batch);
    if (!header) seen.add(batch);
    rowsIn += batch.table.numRows();
  }
  if (!header) assertColumnsExist(wanted, seen.names);
  const known = await source.knownTypes();
  const keyTypes = params.keys.map((k, i) => known?.get(k) ?? grouper.keyTypes[i]!.type);
  const valueTypes = plans.map((p, i) => known?.get(p.column) ?? grouper.valueTypes[i]!.type);
  const schema = outputSchema(params.keys, keyTypes, plans, valueTypes);
  const groups = grouper.typedGroups(keyTypes);
  groups.sort((a, b) => {
    for (let i = 0; i < keyTypes.length; i++) {
      const c = compareCells(a.keys[i]!, b.keys[i]!, keyTypes[i]!);
      if (c !== 0) return c;
    }
    return 0;
  });
  const ddof = params.ddof ?? 1;
  const rows = groups.map((group) => {
    const row: Record<string, Scalar> = {};
    params.keys.forEach((k, i) => (row[k] = group.keys[i]!));
    row.count = group.rows;
    plans.forEach((plan, i) => {
      for (const agg of plan.aggregations) {
        row[`${plan.column}_${agg}`] = group.columns[i]!.result(agg, valueTypes[i]!, ddof);
      }
    });
    return row;
  });
  return { schema, rows, rowsIn };
}
