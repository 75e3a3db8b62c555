/**
 * The benchmark's operations: each one as an engine request and as the
 * DuckDB SQL that computes the same answer, and the check that both agree.
 */
import type { runCompute } from '../lib/engine/index.js';

/** The engine's request, from its entry's own signature (which the engine's rewrites keep). */
type ComputeRequest = Parameters<typeof runCompute>[1];

/** One benchmarked operation. */
export interface Case {
  /** Short name used by `--ops`. */
  readonly id: string;
  /** Name shown in the table. */
  readonly name: string;
  readonly request: Omit<ComputeRequest, 'input' | 'output'>;
  /** SQL over `{src}` (and `{out}` for a written result). */
  readonly sql: string;
  /** Only on CSV: a case that exists to show how memory grows with the groups. */
  readonly csvOnly?: boolean;
}

const statsSql =
  'SELECT * EXCLUDE (o) FROM (' +
  ['int', 'float']
    .map(
      (c, i) =>
        `SELECT ${i} AS o, '${c}' AS "column", count("${c}") AS count, count(*) - count("${c}") AS nulls,
         avg("${c}") AS mean, var_samp("${c}") AS variance, stddev_samp("${c}") AS std,
         min("${c}") AS min, max("${c}") AS max FROM {src}`,
    )
    .join(' UNION ALL ') +
  ') ORDER BY o';

/** Every case, in table order. */
export const CASES: readonly Case[] = [
  {
    id: 'stats',
    name: 'stats int,float',
    request: { operation: 'stats', columns: ['int', 'float'] },
    sql: statsSql,
  },
  {
    id: 'non_null',
    name: 'non_null int,float',
    request: { operation: 'non_null', columns: ['int', 'float'] },
    sql: 'COPY (SELECT * FROM {src} WHERE "int" IS NOT NULL AND "float" IS NOT NULL) TO {out}',
  },
  {
    id: 'group_by_cat1000',
    name: 'group_by cat1000',
    request: {
      operation: 'group_by',
      columns: ['cat1000'],
      aggregations: { float: ['mean', 'sum', 'min', 'max'], int: ['count'] },
    },
    sql: `SELECT cat1000, count(*) AS count, avg("float") AS float_mean, sum("float") AS float_sum,
          min("float") AS float_min, max("float") AS float_max, count("int") AS int_count
          FROM {src} GROUP BY cat1000 ORDER BY cat1000 NULLS LAST`,
  },
  {
    id: 'group_by_cat10_bool',
    name: 'group_by cat10,bool',
    request: { operation: 'group_by', columns: ['cat10', 'bool'], aggregations: { float: ['mean', 'std'] } },
    sql: `SELECT cat10, bool, count(*) AS count, avg("float") AS float_mean, stddev_samp("float") AS float_std
          FROM {src} GROUP BY cat10, bool ORDER BY cat10 NULLS LAST, bool NULLS LAST`,
  },
  {
    id: 'group_by_id',
    name: 'group_by id (1 row per group)',
    request: { operation: 'group_by', columns: ['id'], aggregations: { float: ['mean'] } },
    sql: `SELECT id, count(*) AS count, avg("float") AS float_mean FROM {src} GROUP BY id ORDER BY id`,
    csvOnly: true,
  },
];

/** A cell as a number: numbers as they are, numeric text (XML, CSV) parsed; otherwise undefined. */
function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

const close = (a: number | undefined, b: number): boolean =>
  a !== undefined && (a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)));

/**
 * Compares an answer (the engine's or polars') with DuckDB's: same count,
 * and per DuckDB column, numbers to 1e-9 relative, nulls exactly, anything
 * else as text.
 *
 * @returns `yes`, or where the first difference is
 */
export function agree(
  actual: readonly Record<string, unknown>[],
  expected: readonly Record<string, unknown>[],
): string {
  if (actual.length !== expected.length) return `rows ${actual.length} vs ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    for (const [k, e] of Object.entries(expected[i]!)) {
      const a = actual[i]![k] ?? null;
      const differ =
        e === null ? a !== null : typeof e === 'number' ? !close(toNumber(a), e) : String(a) !== String(e);
      if (differ) return `row ${i} ${k}: ${String(a)} vs ${String(e)}`;
    }
  }
  return 'yes';
}
