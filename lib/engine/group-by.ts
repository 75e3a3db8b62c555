/**
 * `group_by`: one output row per distinct key tuple (null keys form their
 * own group): the keys, `count` (rows in the group), then `<column>_<agg>`
 * in request order, sorted by the keys ascending with nulls last.
 *
 * One pass groups by the raw key cells and computes every aggregate in the
 * forms each possible column type needs; the types are then decided from
 * the groups (key columns from their distinct values only). When typing
 * makes two raw keys equal (`1` and `1.0` in a numeric column), a second
 * pass groups by the typed keys.
 *
 * @module
 */
import type { Aggregation } from '../compute-request.js';
import type { ColumnType } from '../types.js';
import type { SourceColumn } from './columns.js';
import { nonNumericError } from './examples.js';
import type { OutColumn } from './output.js';
import type { JobRunner } from './runner.js';
import type { Source } from './source.js';
import { Params, quoteIdent } from './sql.js';
import { asBoolean, asNumber, notCanonicalCounters, typeCounters, typed, typeFromCounts } from './typing.js';

/** Parameters of `group_by`. */
export interface GroupByParams {
  readonly keys: readonly SourceColumn[];
  /** Aggregated columns with their aggregations, in request order. */
  readonly aggregations: readonly (readonly [SourceColumn, readonly Aggregation[]])[];
  readonly ddof: 0 | 1;
}

/** What the output query reads. */
export interface GroupedTable {
  /** The grouped table, or the grouping query itself when nothing had to be read before the output. */
  readonly from: string;
  /** Parameters of `from`. */
  readonly params: Params;
  readonly columns: OutColumn[];
  readonly orderBy: string;
  readonly rowsIn: number;
}

const NUMERIC_AGGS = new Set<Aggregation>(['sum', 'mean', 'variance', 'std', 'median']);
const TYPED_AGGS = new Set<Aggregation>(['min', 'max', 'nunique']);
/** The forms an aggregate is kept in until the column's type is known: number, string, boolean. */
type Form = 'n' | 's' | 'b';

let tables = 0;

function formOf(type: ColumnType): Form {
  return type === 'number' ? 'n' : type === 'boolean' ? 'b' : 's';
}

/** Aggregate SQL of one column and aggregation, per form of the cell. */
function aggregate(
  agg: Aggregation,
  cell: Record<Form, string>,
  ddof: 0 | 1,
): Partial<Record<Form | 'x', string>> {
  const v = ddof === 1 ? 'samp' : 'pop';
  switch (agg) {
    case 'count':
      return { x: `count(${cell.s})` };
    case 'sum':
      return { x: `sum(${cell.n})` };
    case 'mean':
      return { x: `avg(${cell.n})` };
    case 'variance':
      return { x: `var_${v}(${cell.n})` };
    case 'std':
      return { x: `stddev_${v}(${cell.n})` };
    case 'median':
      return { x: `median(${cell.n})` };
    case 'min':
    case 'max':
      return { n: `${agg}(${cell.n})`, s: `${agg}(${cell.s})`, b: `${agg}(${cell.b})` };
    case 'nunique':
      return {
        n: `count(DISTINCT ${cell.n})`,
        s: `count(DISTINCT ${cell.s})`,
        b: `count(DISTINCT ${cell.b})`,
      };
  }
}

interface Plan {
  readonly column: SourceColumn;
  readonly aggs: readonly Aggregation[];
  readonly index: number;
}

/** The grouping query over `keyExprs`: one row per group, its raw keys `k<i>` and aggregates. */
function groupingSql(
  source: Source,
  keyExprs: readonly string[],
  plans: readonly Plan[],
  ddof: 0 | 1,
  allForms: boolean,
): string {
  const inner = keyExprs.map((k, i) => `${k} AS k${i}`);
  const aggs = ['count(*) AS __count'];
  for (const { column, aggs: wanted, index: j } of plans) {
    const cell = { n: `vn${j}`, s: `vs${j}`, b: `vb${j}` };
    inner.push(`${column.expr} AS vs${j}`);
    if (column.kind !== 'text') {
      // Typed by the file: one form of each aggregate, no type counters.
      if (column.kind === 'number') inner.push(`${column.expr} AS vn${j}`);
      if (column.kind === 'boolean') inner.push(`${column.expr} AS vb${j}`);
      const form = formOf(column.kind);
      for (const agg of wanted) {
        const sql = aggregate(agg, cell, ddof);
        const chosen = sql.x ?? sql[form];
        // A numeric aggregate of a column that is not numeric is refused before its value is read.
        aggs.push(
          `${chosen !== undefined && (sql.x === undefined || column.kind === 'number' || agg === 'count') ? chosen : 'NULL'} AS a${j}_${agg}_${sql.x !== undefined ? 'x' : form}`,
        );
      }
      continue;
    }
    if (wanted.every((agg) => agg === 'count')) {
      // `count` counts values whatever the column's type: no typed form, no type counters.
      for (const agg of wanted) aggs.push(`${aggregate(agg, cell, ddof).x!} AS a${j}_${agg}_x`);
      aggs.push(`count(vs${j}) AS c${j}`, `0 AS nn${j}`, `NULL AS nb${j}`);
      continue;
    }
    // Most aggregated columns are numeric: the text and boolean forms are computed only in a second
    // grouping, when the first finds the column is not.
    inner.push(`${asNumber(column.expr)} AS vn${j}`);
    if (allForms) inner.push(`${asBoolean(column.expr)} AS vb${j}`);
    for (const agg of wanted) {
      for (const [form, sql] of Object.entries(aggregate(agg, cell, ddof)))
        if (allForms || form === 'n' || form === 'x') aggs.push(`${sql} AS a${j}_${agg}_${form}`);
    }
    aggs.push(
      `count(vs${j}) AS c${j}`,
      `count(vs${j}) - count(vn${j}) AS nn${j}`,
      `${allForms ? `count(vs${j}) - count(vb${j})` : 'NULL'} AS nb${j}`,
    );
  }
  const groupBy = keyExprs.map((_, i) => `k${i}`).join(', ');
  return `SELECT ${groupBy}, ${aggs.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${source.from}) GROUP BY ${groupBy}`;
}

function columnType(
  column: SourceColumn,
  values: number,
  notNumbers: number,
  notBooleans: number,
): ColumnType {
  return column.kind === 'text' ? typeFromCounts(values, notNumbers, notBooleans) : column.kind;
}

/**
 * Groups the input into a temporary table, unless the output can group as it is written, and
 * describes the output query.
 *
 * @throws `NonNumericColumnError` when `sum`, `mean`, `variance`, `std` or `median` is asked of
 *   a column that is not numeric
 */
export async function computeGroupBy(
  runner: JobRunner,
  source: Source,
  params: GroupByParams,
): Promise<GroupedTable> {
  const table = `df_groups_${process.pid}_${++tables}`;
  const t = quoteIdent(table);
  const plans: Plan[] = params.aggregations.map(([column, aggs], index) => ({ column, aggs, index }));
  let allForms = false;
  const group = async (keyExprs: readonly string[]): Promise<void> => {
    await runner.run(
      `CREATE OR REPLACE TEMP TABLE ${t} AS ${groupingSql(source, keyExprs, plans, params.ddof, allForms)}`,
      source.params.clone(),
    );
  };
  // No column is typed from its values, and the source knows its rows (a Parquet footer, checked):
  // nothing has to be read before the output, which then groups as it is written, without a table
  // grouped first or a statement reading the row count from it.
  const direct =
    source.rowCount !== undefined &&
    [...params.keys, ...plans.map((p) => p.column)].every((c) => c.kind !== 'text');
  if (!direct) {
    await group(params.keys.map((k) => k.expr));
    runner.passDone();
  }

  const count = async (): Promise<number[]> => {
    const counters = [
      'sum(__count)',
      ...plans.flatMap(({ column, index: j }) =>
        column.kind === 'text' ? [`sum(c${j})`, `sum(nn${j})`, `coalesce(sum(nb${j}), 0)`] : ['0', '0', '0'],
      ),
      ...params.keys.flatMap((key, i) =>
        key.kind === 'text'
          ? [...typeCounters(`k${i}`), ...notCanonicalCounters(`k${i}`)]
          : ['0', '0', '0', '0', '0'],
      ),
    ];
    if (direct) return counters.map((_, i) => (i === 0 ? source.rowCount! : 0));
    return (await runner.rows(`SELECT ${counters.join(', ')} FROM ${t}`, new Params()))[0]!.map(Number);
  };
  let row = await count();
  const textTyped = plans.some(
    ({ column, aggs, index: j }) =>
      column.kind === 'text' && row[2 + 3 * j]! > 0 && aggs.some((a) => TYPED_AGGS.has(a)),
  );
  if (textTyped) {
    // A column with min, max or nunique turned out not numeric: group again with every form.
    allForms = true;
    await group(params.keys.map((k) => k.expr));
    row = await count();
  }
  const rowsIn = row[0] ?? 0;
  const valueTypes = plans.map(({ column, index: j }) =>
    columnType(column, row[1 + 3 * j]!, row[2 + 3 * j]!, allForms ? row[3 + 3 * j]! : 1),
  );
  const keyBase = 1 + 3 * plans.length;
  const keyTypes = params.keys.map((key, i) =>
    columnType(key, row[keyBase + 5 * i]!, row[keyBase + 5 * i + 1]!, row[keyBase + 5 * i + 2]!),
  );
  // Texts that type to the same value as another text (`1` and `1.0`, `true` and `TRUE`) are possible
  // only when some key is not canonical for its type.
  const mayMerge = params.keys.some(
    (k, i) =>
      k.kind === 'text' &&
      keyTypes[i] !== 'string' &&
      row[keyBase + 5 * i + (keyTypes[i] === 'number' ? 3 : 4)]! > 0,
  );
  for (const plan of plans) {
    if (valueTypes[plan.index] !== 'number' && plan.aggs.some((a) => NUMERIC_AGGS.has(a))) {
      throw await nonNumericError(runner, source, plan.column);
    }
  }

  // The typed form of each key, over the grouped table's raw key column.
  const typedKey = (i: number): string => typed({ ...params.keys[i]!, expr: `k${i}` }, keyTypes[i]).expr;
  let keyOut = params.keys.map((_, i) => typedKey(i));
  if (mayMerge) {
    const tuple = `struct_pack(${keyOut.map((k, i) => `t${i} := ${k}`).join(', ')})`;
    const merged = await runner.rows(`SELECT count(*) - count(DISTINCT ${tuple}) FROM ${t}`, new Params());
    if (Number(merged[0]![0]) > 0) {
      // Two raw keys are one typed key: group again, by the typed keys this time.
      const typedExprs = params.keys.map((key, i) => typed(key, keyTypes[i]).expr);
      await group(typedExprs);
      keyOut = params.keys.map((_, i) => `k${i}`);
    }
  }

  const columns: OutColumn[] = params.keys.map((key, i) => ({
    name: key.name,
    expr: keyOut[i]!,
    double: keyTypes[i] === 'number' && key.exact !== true,
  }));
  columns.push({ name: 'count', expr: '__count', double: false });
  for (const { column, aggs, index: j } of plans) {
    const type = valueTypes[j]!;
    for (const agg of aggs) {
      const form = TYPED_AGGS.has(agg) ? formOf(type) : 'x';
      const exactSource = column.kind === 'number' && column.exact === true;
      const double =
        agg === 'mean' ||
        agg === 'variance' ||
        agg === 'std' ||
        agg === 'median' ||
        ((agg === 'sum' || agg === 'min' || agg === 'max') && type === 'number' && !exactSource);
      columns.push({ name: `${column.name}_${agg}`, expr: `a${j}_${agg}_${form}`, double });
    }
  }
  return {
    from: direct
      ? `(${groupingSql(
          source,
          params.keys.map((k) => k.expr),
          plans,
          params.ddof,
          false,
        )})`
      : t,
    params: direct ? source.params.clone() : new Params(),
    columns,
    orderBy: keyOut.map((k) => `${k} ASC NULLS LAST`).join(', '),
    rowsIn,
  };
}
