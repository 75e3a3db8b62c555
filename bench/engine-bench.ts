/**
 * `npm run bench`: the engine beside DuckDB on the same files, the whole
 * table in one command. For each data set size, input format and operation,
 * runs the engine and DuckDB (one thread, then all threads) each in a fresh
 * child process, reports wall time and peak RSS, checks that both answers
 * agree, prints the table and writes it to bench/results.md with the
 * machine's description and the targets.
 *
 * Subsets for quick iterations (a subset writes no report unless `--out` is given):
 *   --sizes 1000000[,5000000]   (alias --rows)
 *   --formats csv,parquet-snappy,parquet-zstd,json,ndjson,xml
 *   --ops stats,non_null,group_by_cat1000,group_by_cat10_bool,group_by_id
 *   --repeat N   best of N runs of each process (default 1)
 *   --out FILE   where to write the report
 */
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { openSource } from '../lib/readers/index.js';
import type { InputFormat, OutputFormat, Scalar } from '../lib/types.js';
import { agree, CASES, type Case } from './cases.js';
import { ensureDataSet, FORMATS, type BenchFormat } from './generate-data.js';
import { report, type Measure, type Result } from './report.js';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.join(here, 'data');

const { values } = parseArgs({
  options: {
    sizes: { type: 'string' },
    rows: { type: 'string' },
    formats: { type: 'string' },
    ops: { type: 'string' },
    repeat: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
const list = (s: string | undefined): string[] | undefined => s?.split(',').filter((x) => x !== '');
const SIZES = (list(values.sizes ?? values.rows) ?? ['1000000', '5000000']).map(Number);
const FORMATS_ASKED = list(values.formats) as BenchFormat[] | undefined;
const OPS = list(values.ops);
const REPEAT = Math.max(1, Number(values.repeat));
const full = values.sizes === undefined && values.rows === undefined && !FORMATS_ASKED && !OPS;
const OUT = values.out ?? (full ? path.join(here, 'results.md') : undefined);

for (const f of FORMATS_ASKED ?? []) if (!FORMATS.includes(f)) throw new Error(`unknown format ${f}`);
for (const o of OPS ?? []) if (!CASES.some((c) => c.id === o)) throw new Error(`unknown op ${o}`);

/** Formats run at a size: the record formats (JSON, NDJSON, XML) only up to 1,000,000 rows unless asked. */
function formatsAt(rows: number): BenchFormat[] {
  if (FORMATS_ASKED) return FORMATS_ASKED;
  return FORMATS.filter((f) => rows <= 1_000_000 || f === 'csv' || f.startsWith('parquet'));
}

async function child<T extends Measure>(script: string, args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(here, script), ...args], {
    maxBuffer: 256 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as T;
}

/** Runs a child `REPEAT` times: the fastest time, the highest peak RSS, the last answer. */
async function best<T extends Measure>(script: string, args: () => string[]): Promise<T> {
  let kept: T | undefined;
  let rss = 0;
  for (let i = 0; i < REPEAT; i++) {
    const m = await child<T>(script, args());
    rss = Math.max(rss, m.rss_mb);
    if (kept === undefined || m.ms < kept.ms) kept = m;
  }
  return { ...kept!, rss_mb: rss };
}

async function readRows(file: string, format: OutputFormat): Promise<Record<string, Scalar>[]> {
  const rows: Record<string, Scalar>[] = [];
  for await (const b of openSource(file, format as InputFormat, {}).batches())
    for (const row of b.table.objects()) rows.push(row as Record<string, Scalar>);
  return rows;
}

/** DuckDB's reader of a copy; XML has none, so DuckDB reads the same rows' CSV. */
function duckSource(format: BenchFormat, file: string, csv: string): string {
  switch (format) {
    case 'csv':
      return `read_csv('${file}', header = true)`;
    case 'parquet-snappy':
    case 'parquet-zstd':
      return `read_parquet('${file}')`;
    case 'json':
      return `read_json('${file}', format = 'array')`;
    case 'ndjson':
      return `read_ndjson('${file}')`;
    case 'xml':
      return `read_csv('${csv}', header = true)`;
  }
}

/** DuckDB's COPY format for a written result: the engine's output format when DuckDB writes it. */
function duckOut(format: OutputFormat): string {
  if (format === 'parquet') return 'FORMAT parquet';
  if (format === 'json') return 'FORMAT json, ARRAY true';
  if (format === 'ndjson') return 'FORMAT json';
  return 'FORMAT csv, HEADER';
}

const ENGINE_FORMAT: Record<BenchFormat, OutputFormat> = {
  csv: 'csv',
  'parquet-snappy': 'parquet',
  'parquet-zstd': 'parquet',
  json: 'json',
  ndjson: 'ndjson',
  xml: 'xml',
};

async function measure(
  rows: number,
  format: BenchFormat,
  files: Map<BenchFormat, string>,
  c: Case,
  work: string,
  n: number,
): Promise<Result> {
  const file = files.get(format)!;
  const outFormat = ENGINE_FORMAT[format];
  let attempt = 0;
  const output = (): string => `${path.basename(work)}/e${n}-${++attempt}.${outFormat}`;
  let lastOutput = '';
  const engine = await best<Measure & { rows_out: number }>('run-engine.ts', () => {
    lastOutput = output();
    return [
      dataDir,
      JSON.stringify({ ...c.request, input: path.relative(dataDir, file), output: lastOutput }),
    ];
  });
  const src = duckSource(format, file, files.get('csv')!);
  let k = 0;
  const sql = (): string =>
    c.sql
      .replaceAll('{src}', src)
      .replace('{out}', `'${path.join(work, `d${n}-${++k}.${outFormat}`)}' (${duckOut(outFormat)})`);
  type Duck = Measure & { rows: Record<string, unknown>[] };
  const one = await best<Duck>('run-duckdb.ts', () => [sql(), '1']);
  const all = await best<Duck>('run-duckdb.ts', () => [sql(), String(cpus().length)]);
  const agreement =
    c.request.operation === 'non_null'
      ? engine.rows_out === Number(one.rows[0]?.Count)
        ? 'yes'
        : `rows ${engine.rows_out} vs ${String(one.rows[0]?.Count)}`
      : agree(await readRows(path.join(dataDir, lastOutput), outFormat), one.rows);
  return { rows, format, name: c.name, id: c.id, engine, one, all, agree: agreement };
}

const results: Result[] = [];
for (const rows of SIZES) {
  const formats = formatsAt(rows);
  const files = await ensureDataSet(dataDir, rows, formats);
  const work = await mkdtemp(path.join(dataDir, 'run-'));
  try {
    let n = 0;
    for (const format of formats) {
      for (const c of CASES) {
        if (OPS ? !OPS.includes(c.id) : c.csvOnly === true && format !== 'csv') continue;
        const r = await measure(rows, format, files, c, work, ++n);
        results.push(r);
        console.log(
          `${rows} ${format} ${c.name}: engine ${(r.engine.ms / 1000).toFixed(2)} s ${r.engine.rss_mb.toFixed(0)} MB, ` +
            `DuckDB 1T ${(r.one.ms / 1000).toFixed(2)} s, all ${(r.all.ms / 1000).toFixed(2)} s, ` +
            `${(r.engine.ms / r.one.ms).toFixed(1)}×, agree ${r.agree}`,
        );
        // Result files of 5M-row runs are large: drop them as soon as they are checked.
        await rm(work, { recursive: true, force: true });
        await mkdir(work);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
const text = await report(results, REPEAT, async () => machine());
console.log(`\n${text}`);
if (OUT) {
  await writeFile(OUT, text);
  console.log(`written to ${path.relative(process.cwd(), OUT)}`);
}

async function machine(): Promise<string> {
  const { stdout } = await run(process.execPath, [
    '-e',
    "import('@duckdb/node-api').then(m=>console.log(m.version?.() ?? ''))",
  ]).catch(() => ({ stdout: '' }));
  return stdout.trim() || 'node-api';
}
