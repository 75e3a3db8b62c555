/**
 * `npm run bench [-- --rows N]`: the engine beside DuckDB on the same files.
 * For each input format and operation, runs the engine and DuckDB (one
 * thread, then all threads) each in a fresh child process, reports wall
 * time and peak RSS, checks that both answers agree, prints a table and
 * writes it to bench/results.md with the machine's description.
 */
import { execFile } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { ComputeRequest } from '../lib/compute-request.js';
import { openSource } from '../lib/readers/index.js';
import type { InputFormat, OutputFormat, Scalar } from '../lib/types.js';
import { toNumber } from '../lib/values.js';
import { ensureDataSet } from './generate-data.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const ROWS = Number(values.rows);

interface Measure {
  ms: number;
  rss_mb: number;
}

async function child<T extends Measure>(script: string, args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(here, script), ...args], {
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

interface Case {
  name: string;
  request: Omit<ComputeRequest, 'input' | 'output'>;
  /** SQL over `{src}` (and `{out}` for a written result). */
  sql: string;
}

const CASES: Case[] = [
  {
    name: 'stats int,float',
    request: { operation: 'stats', columns: ['int', 'float'] },
    sql:
      'SELECT * EXCLUDE (o) FROM (' +
      ['int', 'float']
        .map(
          (c, i) =>
            `SELECT ${i} AS o, '${c}' AS "column", count("${c}") AS count, count(*) - count("${c}") AS nulls,
             avg("${c}") AS mean, var_samp("${c}") AS variance, stddev_samp("${c}") AS std,
             min("${c}") AS min, max("${c}") AS max FROM {src}`,
        )
        .join(' UNION ALL ') +
      ') ORDER BY o',
  },
  {
    name: 'non_null int,float',
    request: { operation: 'non_null', columns: ['int', 'float'] },
    sql: 'COPY (SELECT * FROM {src} WHERE "int" IS NOT NULL AND "float" IS NOT NULL) TO {out}',
  },
  {
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
    name: 'group_by cat10,bool',
    request: { operation: 'group_by', columns: ['cat10', 'bool'], aggregations: { float: ['mean', 'std'] } },
    sql: `SELECT cat10, bool, count(*) AS count, avg("float") AS float_mean, stddev_samp("float") AS float_std
          FROM {src} GROUP BY cat10, bool ORDER BY cat10 NULLS LAST, bool NULLS LAST`,
  },
];

async function readRows(file: string, format: OutputFormat): Promise<Record<string, Scalar>[]> {
  const rows: Record<string, Scalar>[] = [];
  for await (const b of openSource(file, format as InputFormat, {}).batches())
    rows.push(...(b.table.objects() as Record<string, Scalar>[]));
  return rows;
}

function agree(actual: Record<string, Scalar>[], expected: Record<string, unknown>[]): string {
  if (actual.length !== expected.length) return `rows ${actual.length} vs ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    for (const [k, e] of Object.entries(expected[i]!)) {
      const a = actual[i]![k] ?? null;
      if (
        e === null ? a !== null : typeof e === 'number' ? !close(toNumber(a), e) : String(a) !== String(e)
      ) {
        return `row ${i} ${k}: ${String(a)} vs ${String(e)}`;
      }
    }
  }
  return 'yes';
}

const close = (a: number | undefined, b: number): boolean =>
  a !== undefined && (a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)));

async function machine(): Promise<string> {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const { stdout } = await run(process.execPath, [
    '-e',
    "import('@duckdb/node-api').then(m=>console.log(m.version?.() ?? ''))",
  ]).catch(() => ({ stdout: '' }));
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; DuckDB ${stdout.trim() || 'node-api'}; ${new Date().toISOString().slice(0, 10)}`;
}

const data = await ensureDataSet(path.join(here, 'data'), ROWS);
const work = await mkdtemp(path.join(path.dirname(data.csv), 'run-'));
const inputs: [string, string, InputFormat, string][] = [
  ['csv', data.csv, 'csv', `read_csv('${data.csv}', header = true)`],
  ['parquet snappy', data.parquetSnappy, 'parquet', `read_parquet('${data.parquetSnappy}')`],
  ['parquet zstd', data.parquetZstd, 'parquet', `read_parquet('${data.parquetZstd}')`],
];
const lines = [
  '| input | operation | engine s | engine MB | DuckDB 1T s | DuckDB 1T MB | DuckDB all s | ratio vs 1T | agree |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
];
console.log(`${ROWS.toLocaleString('en')} rows`);
let n = 0;
for (const [label, file, format, src] of inputs) {
  // The engine reads paths relative to its storage root: the data folder.
  const rel = path.relative(path.dirname(data.csv), file);
  for (const c of CASES) {
    const outFormat: OutputFormat = format === 'parquet' ? 'parquet' : 'csv';
    const output = `${path.basename(work)}/e${++n}.${outFormat}`;
    const engine = await child<Measure & { rows_out: number }>('run-engine.ts', [
      path.dirname(data.csv),
      JSON.stringify({ ...c.request, input: rel, output }),
    ]);
    const out = (t: number): string =>
      `'${path.join(work, `d${n}-${t}.${outFormat}`)}' (FORMAT ${outFormat === 'csv' ? 'csv, HEADER' : 'parquet'})`;
    const sql = (t: number): string => c.sql.replaceAll('{src}', src).replace('{out}', out(t));
    const one = await child<Measure & { rows: Record<string, unknown>[] }>('run-duckdb.ts', [sql(1), '1']);
    const all = await child<Measure & { rows: Record<string, unknown>[] }>('run-duckdb.ts', [
      sql(2),
      String(cpus().length),
    ]);
    const agreement =
      c.request.operation === 'non_null'
        ? engine.rows_out === Number(one.rows[0]?.Count)
          ? 'yes'
          : `rows ${engine.rows_out} vs ${String(one.rows[0]?.Count)}`
        : agree(await readRows(path.join(path.dirname(data.csv), output), outFormat), one.rows);
    const line = `| ${label} | ${c.name} | ${(engine.ms / 1000).toFixed(2)} | ${engine.rss_mb.toFixed(0)} | ${(one.ms / 1000).toFixed(2)} | ${one.rss_mb.toFixed(0)} | ${(all.ms / 1000).toFixed(2)} | ${(engine.ms / one.ms).toFixed(1)}× | ${agreement} |`;
    lines.push(line);
    console.log(line);
  }
}
await rm(work, { recursive: true, force: true });
const report = `# Engine benchmark\n\n${ROWS.toLocaleString('en')} rows (id, cat10, cat1000, int and float with ~5% nulls, date, bool), generated by \`bench/generate-data.ts\`; Parquet written by DuckDB.\n\nMachine: ${await machine()}.\n\nEach figure is one run in a fresh process: wall time of the operation alone (reading, computing, writing the result file), peak RSS of the process. DuckDB computes the same answer on the same file (non_null writes its result file too); "agree" compares both answers (numbers to 1e-9 relative).\n\n${lines.join('\n')}\n`;
await writeFile(path.join(here, 'results.md'), report);
console.log(`\nwritten to bench/results.md`);
