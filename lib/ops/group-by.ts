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
import { coerce, toNumber, TypeTracker } from '../values.js';
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

/** One level of the key trie: a raw cell of key column `i` to the next level, or to the group at the last key. */
type KeyLevel = Map<Scalar, KeyLevel | Group>;

/**
 * Folds batches into groups keyed by their raw cells, through a trie of
 * Maps with one level per key column: a row costs one lookup per key, with
 * no key string built. Types are inferred where it is cheapest: key columns
 * from their distinct cells (each seen once, when its trie entry is made),
 * value columns from the numbers parsed once per cell for the aggregations.
 */
class Grouper {
  readonly #root: KeyLevel = new Map();
  /** Every group, in first-seen order. */
  readonly groups: Group[] = [];
  readonly keyTypes: TypeTracker[];
  readonly valueTypes: TypeTracker[];
  /** The numbers of the batch's value columns (NaN where a cell is not numeric); reused across batches. */
  #numbers: Float64Array[];

  /**
   * @param keys - the key columns
   * @param plans - the aggregated columns
   * @param assumedNumeric - per plan, its numeric type is an assumption to check on every cell
   */
  constructor(
    readonly keys: readonly string[],
    readonly plans: readonly ColumnPlan[],
    readonly assumedNumeric: readonly boolean[],
  ) {
    this.keyTypes = keys.map(() => new TypeTracker());
    this.valueTypes = plans.map(() => new TypeTracker());
    this.#numbers = plans.map(() => new Float64Array(0));
  }

  /** The group of a row's key cells, made (and its new cells typed) on first sight. */
  #group(keyCols: readonly (readonly Scalar[] | undefined)[], r: number): Group {
    let level = this.#root;
    const last = keyCols.length - 1;
    for (let i = 0; ; i++) {
      const k = keyCols[i]?.[r] ?? null;
      const next = level.get(k);
      if (next !== undefined) {
        if (i === last) return next as Group;
        level = next as KeyLevel;
        continue;
      }
      this.keyTypes[i]!.observe(k);
      if (i === last) {
        const group = newGroup(
          keyCols.map((col) => col?.[r] ?? null),
          this.plans,
        );
        level.set(k, group);
        this.groups.push(group);
        return group;
      }
      const child: KeyLevel = new Map();
      level.set(k, child);
      level = child;
    }
  }

  /**
   * Parses a value column's cells to numbers once, for both the type
   * inference and the aggregations; a column that only counts needs neither.
   */
  #parse(i: number, col: readonly Scalar[], rows: number): Float64Array | undefined {
    const plan = this.plans[i]!;
    if (!(plan.moments || plan.median || plan.minMax || plan.nunique)) return undefined;
    if (this.#numbers[i]!.length < rows) this.#numbers[i] = new Float64Array(rows);
    const out = this.#numbers[i]!;
    let numeric = true;
    let sample: Scalar = null;
    for (let r = 0; r < rows; r++) {
      const v = col[r]!;
      if (v === null) continue;
      if (typeof v === 'number') {
        // Kept as it is for the aggregations; the inference counts only finite numbers as numeric.
        out[r] = v;
        if (Number.isFinite(v)) sample = v;
        else numeric = false;
        continue;
      }
      const x = toNumber(v);
      if (x === undefined) {
        numeric = false;
        out[r] = NaN;
      } else {
        out[r] = x;
        sample = v;
      }
    }
    // Numeric cells all move the inference alike: one stands for the batch.
    if (numeric) this.valueTypes[i]!.observe(sample);
    else if (this.assumedNumeric[i]) throw new TextSeen();
    else this.valueTypes[i]!.observeAll(col);
    return out;
  }

  fold(batch: Batch): void {
    const rows = batch.table.numRows();
    const keyCols = this.keys.map((k) => columnValues(batch, k));
    const valueCols = this.plans.map((p) => columnValues(batch, p.column));
    const numbers = valueCols.map((col, i) => col && this.#parse(i, col, rows));
    const single = keyCols.length === 1 ? keyCols[0] : undefined;
    const root = this.#root;
    for (let r = 0; r < rows; r++) {
      // One key: the raw cell is the Map key (the commonest case, kept inline).
      let group: Group | undefined;
      if (keyCols.length === 1) group = root.get(single ? single[r]! : null) as Group | undefined;
      group ??= this.#group(keyCols, r);
      group.rows++;
      for (let c = 0; c < valueCols.length; c++) {
        const v = valueCols[c]?.[r] ?? null;
        if (v === null) continue;
        const nums = numbers[c];
        group.columns[c]!.add(v, batch.firstRow + r, nums === undefined ? undefined : nums[r]!);
      }
    }
  }

  /** Groups re-keyed by typed keys, equal typed keys merged. */
  typedGroups(types: readonly ColumnType[]): Group[] {
    const merged = new Map<string, Group>();
    for (const group of this.groups) {
      const typed = group.keys.map((k, i) => coerce(k, types[i]!));
      const code = encodeKey(typed);
      const existing = merged.get(code);
      if (existing) mergeGroups(existing, group);
      else merged.set(code, { ...group, keys: typed });
    }
    return [...merged.values()];
  }
}

/**
 * The plans of the aggregated columns. With `optimistic`, a column of
 * unknown type is planned as numeric (no text extremes for min/max): the
 * pass is redone without it if a cell turns out not to be a number.
 */
function plansOf(
  aggregations: GroupByParams['aggregations'],
  known: ReadonlyMap<string, ColumnType> | undefined,
  optimistic: boolean,
): ColumnPlan[] {
  return Object.entries(aggregations ?? {}).map(([column, aggs]) =>
    planColumn(column, aggs, known?.get(column) ?? (optimistic ? 'number' : undefined)),
  );
}

/** Thrown by an optimistic pass when a column planned as numeric holds text. */
class TextSeen extends Error {}

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

/** The state after one pass over the input. */
interface Pass {
  readonly grouper: Grouper;
  readonly plans: readonly ColumnPlan[];
  readonly rowsIn: number;
}

async function groupPass(
  source: TableSource,
  params: GroupByParams,
  known: ReadonlyMap<string, ColumnType> | undefined,
  header: readonly string[] | undefined,
  optimistic: boolean,
): Promise<Pass> {
  const plans = plansOf(params.aggregations, known, optimistic);
  const assumed = plans.map((p) => optimistic && p.minMax && known?.get(p.column) === undefined);
  const grouper = new Grouper(params.keys, plans, assumed);
  const seen = new ColumnUnion();
  let rowsIn = 0;
  for await (const batch of source.batches()) {
    grouper.fold(batch);
    if (!header) seen.add(batch);
    rowsIn += batch.table.numRows();
  }
  if (!header) assertColumnsExist([...params.keys, ...plans.map((p) => p.column)], seen.names);
  return { grouper, plans, rowsIn };
}

/**
 * Groups the input by `keys` and aggregates, in one streaming pass (two in the rare
 * case where a min/max column assumed numeric holds text).
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
  // Known before reading (Parquet): spares min/max the text comparisons of numeric columns.
  const known = await source.knownTypes();
  const header = await source.header();
  const wanted = [...params.keys, ...Object.keys(params.aggregations ?? {})];
  if (header) assertColumnsExist(wanted, header);
  let pass: Pass;
  try {
    pass = await groupPass(source, params, known, header, true);
  } catch (err) {
    // Rare: a column assumed numeric holds text; its min/max need the text extremes of every cell.
    if (!(err instanceof TextSeen)) throw err;
    pass = await groupPass(source, params, known, header, false);
  }
  const { grouper, plans, rowsIn } = pass;
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
