/**
 * The benchmark's opt-in spill case (`npm run bench -- --spill`): `group_by
 * id`, one group per row, on more rows than the engine's memory limit holds
 * (20,000,000 under 512 MB by default), so the engine must spill to disk.
 * Reports time and peak RSS, and checks the result exactly against DuckDB's
 * under the same limit.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus } from 'node:os';
import path from 'node:path';
import { best, type Measure } from './child.js';
import { ensureDataSet } from './generate-data.js';
import type { SpillResult } from './report.js';

/** Where and how big the spill run is. */
export interface SpillOptions {
  /** The benchmark's data folder (the engine's storage root). */
  readonly dataDir: string;
  readonly rows: number;
  /** DuckDB's syntax, e.g. `512MB`: given to the engine as `DUCKDB_MEMORY_LIMIT`. */
  readonly memoryLimit: string;
  readonly repeat: number;
  /** More of the engine's environment (e.g. `DUCKDB_THREADS`). */
  readonly engineEnv?: Readonly<Record<string, string>>;
}

/**
 * Compares the engine's result file with DuckDB's, both CSV: one row per
 * input row, distinct ids, counts summing to the input, and every row equal
 * to DuckDB's (`float_mean` to 1e-9 relative, nulls exactly).
 *
 * @returns `yes`, or what differs
 * @throws DuckDB's error when a file is missing or not such a CSV
 */
export async function checkSpillResult(engineCsv: string, duckCsv: string, rows: number): Promise<string> {
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    const reader = await db.runAndReadAll(
      `WITH e AS (SELECT * FROM read_csv($1, header = true)), d AS (SELECT * FROM read_csv($2, header = true))
       SELECT (SELECT count(*) FROM e) AS n, (SELECT count(DISTINCT id) FROM e) AS ids,
              (SELECT sum("count") FROM e) AS counted,
              (SELECT count(*) FROM e FULL JOIN d USING (id)
                WHERE e."count" IS DISTINCT FROM d."count"
                   OR (e.float_mean IS NULL) <> (d.float_mean IS NULL)
                   OR abs(e.float_mean - d.float_mean) > 1e-9 * abs(d.float_mean)) AS differ`,
      [engineCsv, duckCsv],
    );
    const [n, ids, counted, differ] = (reader.getRows()[0] ?? []).map((v) => Number(v));
    if (n !== rows) return `${String(n)} rows, expected ${rows}`;
    if (ids !== rows) return `${String(ids)} distinct ids, expected ${rows}`;
    if (counted !== rows) return `counts sum to ${String(counted)}, expected ${rows}`;
    return differ === 0 ? 'yes' : `${String(differ)} rows differ from DuckDB's`;
  } finally {
    db.closeSync();
  }
}

/**
 * Runs the spill case: the engine (in a child process, memory limited by
 * `DUCKDB_MEMORY_LIMIT`, spilling under the run's folder) and DuckDB on all
 * threads under the same limit, then the exact check. Generates the CSV
 * (streamed) on first use.
 */
export async function runSpill(options: SpillOptions): Promise<SpillResult> {
  const { dataDir, rows, memoryLimit } = options;
  const csv = (await ensureDataSet(dataDir, rows, ['csv'])).get('csv')!;
  const work = await mkdtemp(path.join(dataDir, 'spill-'));
  try {
    const engineTmp = path.join(work, 'engine-tmp');
    const duckTmp = path.join(work, 'duckdb-tmp');
    await mkdir(engineTmp);
    await mkdir(duckTmp);
    let n = 0;
    let engineOut = '';
    const engine = await best<Measure & { rows_out: number }>(
      options.repeat,
      'run-engine.ts',
      () => {
        engineOut = path.join(work, `engine-${++n}.csv`);
        const request = {
          operation: 'group_by',
          columns: ['id'],
          aggregations: { float: ['mean'] },
          input: path.relative(dataDir, csv),
          output: path.relative(dataDir, engineOut),
        };
        return [dataDir, JSON.stringify(request)];
      },
      { ...options.engineEnv, DUCKDB_MEMORY_LIMIT: memoryLimit, DUCKDB_TEMP_DIRECTORY: engineTmp },
    );
    let k = 0;
    let duckOut = '';
    const duckdb = await best<Measure>(options.repeat, 'run-duckdb.ts', () => {
      duckOut = path.join(work, `duckdb-${++k}.csv`);
      const sql =
        `COPY (SELECT id, count(*) AS "count", avg("float") AS float_mean FROM read_csv('${csv}', header = true) ` +
        `GROUP BY id ORDER BY id) TO '${duckOut}' (FORMAT csv, HEADER)`;
      return [sql, String(cpus().length), memoryLimit, duckTmp];
    });
    return { rows, memoryLimit, engine, duckdb, check: await checkSpillResult(engineOut, duckOut, rows) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
