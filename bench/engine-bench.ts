/**
 * `npm run bench`: the service's engine beside raw DuckDB and nodejs-polars
 * on the same files, the whole table in one command. For each data set size,
 * input format and operation, runs the engine (`runCompute`), DuckDB (one
 * thread, then all threads) and polars (the same) each in a fresh child
 * process, reports wall time and peak RSS, checks that the engine's and
 * polars' answers agree with DuckDB's, prints the table, writes it to
 * bench/results.md with the machine's description and the targets, and
 * draws it to bench/results.svg.
 *
 * Subsets for quick iterations (a subset writes no report unless `--out` is given):
 *   --sizes 1000000[,5000000]   (alias --rows; `--sizes=` runs no table, e.g. with --spill)
 *   --formats csv,parquet-snappy,parquet-zstd,json,ndjson,xml
 *   --ops stats,non_null,group_by_cat1000,group_by_cat10_bool,group_by_id
 *   --repeat N   best of N runs of each process (default 1)
 *   --out FILE   where to write the report (the chart goes beside it, as .svg)
 *   --spill      also run group_by id on 20,000,000 rows under DUCKDB_MEMORY_LIMIT=512MB
 *   --spill-rows N, --spill-memory 512MB   the spill run's size and limit
 *   --engine-threads N   DUCKDB_THREADS for the engine (default: unset, the engine's own default)
 */
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { version as duckdbVersion } from '@duckdb/node-api';
import { agree, CASES, type Case } from './cases.js';
import { renderChart } from './chart.js';
import { best, type Measure } from './child.js';
import { ensureDataSet, FORMATS, type BenchFormat } from './generate-data.js';
import { polarsReads } from './polars-cases.js';
import { readResult, type ResultFormat } from './read-output.js';
import { report, type Result, type SpillResult } from './report.js';
import { runSpill } from './spill.js';

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
    spill: { type: 'boolean', default: false },
    'spill-rows': { type: 'string', default: '20000000' },
    'spill-memory': { type: 'string', default: '512MB' },
    'engine-threads': { type: 'string' },
  },
});
const list = (s: string | undefined): string[] | undefined => s?.split(',').filter((x) => x !== '');
const SIZES = (list(values.sizes ?? values.rows) ?? ['1000000', '5000000']).map(Number);
const FORMATS_ASKED = list(values.formats) as BenchFormat[] | undefined;
const OPS = list(values.ops);
const REPEAT = Math.max(1, Number(values.repeat));
const full = values.sizes === undefined && values.rows === undefined && !FORMATS_ASKED && !OPS;
const OUT = values.out ?? (full ? path.join(here, 'results.md') : undefined);
const THREADS = String(cpus().length);
const ENGINE_THREADS = values['engine-threads'];
/** The engine's environment: its thread count only when asked, so that by default it runs as configured. */
const ENGINE_ENV: Record<string, string> =
  ENGINE_THREADS === undefined ? {} : { DUCKDB_THREADS: ENGINE_THREADS };

for (const f of FORMATS_ASKED ?? []) if (!FORMATS.includes(f)) throw new Error(`unknown format ${f}`);
for (const o of OPS ?? []) if (!CASES.some((c) => c.id === o)) throw new Error(`unknown op ${o}`);
for (const n of SIZES) if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`bad size ${n}`);

/** Formats run at a size: the record formats (JSON, NDJSON, XML) only up to 1,000,000 rows unless asked. */
function formatsAt(rows: number): BenchFormat[] {
  if (FORMATS_ASKED) return FORMATS_ASKED;
  return FORMATS.filter((f) => rows <= 1_000_000 || f === 'csv' || f.startsWith('parquet'));
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
function duckOut(format: ResultFormat): string {
  if (format === 'parquet') return 'FORMAT parquet';
  if (format === 'json') return 'FORMAT json, ARRAY true';
  if (format === 'ndjson') return 'FORMAT json';
  return 'FORMAT csv, HEADER';
}

/** The engine's default output format for each input (the README's rule). */
const ENGINE_FORMAT: Record<BenchFormat, ResultFormat> = {
  csv: 'csv',
  'parquet-snappy': 'parquet',
  'parquet-zstd': 'parquet',
  json: 'json',
  ndjson: 'ndjson',
  xml: 'xml',
};

type Answer = Measure & { rows: Record<string, unknown>[] };
type Polars = Answer & { rows_out: number };

/** `non_null` results are compared by their row counts with DuckDB's `Count`. */
function sameCount(rowsOut: number, one: Answer): string {
  const expected = Number(one.rows[0]?.Count);
  return rowsOut === expected ? 'yes' : `rows ${rowsOut} vs ${String(one.rows[0]?.Count)}`;
}

async function measurePolars(
  format: BenchFormat,
  file: string,
  c: Case,
  outFile: () => string,
  one: Answer,
): Promise<Pick<Result, 'polarsOne' | 'polarsAll' | 'polarsAgree'>> {
  if (!polarsReads(format)) return {};
  const args = (): string[] => [c.id, format, file, outFile()];
  const polarsOne = await best<Polars>(REPEAT, 'run-polars.ts', args, { POLARS_MAX_THREADS: '1' });
  const polarsAll = await best<Polars>(REPEAT, 'run-polars.ts', args, { POLARS_MAX_THREADS: THREADS });
  const polarsAgree =
    c.request.operation === 'non_null' ? sameCount(polarsOne.rows_out, one) : agree(polarsOne.rows, one.rows);
  const strip = ({ ms, rss_mb }: Measure): Measure => ({ ms, rss_mb });
  return { polarsOne: strip(polarsOne), polarsAll: strip(polarsAll), polarsAgree };
}

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
  const output = (who: string): string => path.join(work, `${who}${n}-${++attempt}.${outFormat}`);
  let lastOutput = '';
  const engine = await best<Measure & { rows_out: number }>(
    REPEAT,
    'run-engine.ts',
    () => {
      lastOutput = output('e');
      const request = {
        ...c.request,
        input: path.relative(dataDir, file),
        output: path.relative(dataDir, lastOutput),
      };
      return [dataDir, JSON.stringify(request)];
    },
    ENGINE_ENV,
  );
  const src = duckSource(format, file, files.get('csv')!);
  const sql = (): string =>
    c.sql.replaceAll('{src}', src).replace('{out}', `'${output('d')}' (${duckOut(outFormat)})`);
  const one = await best<Answer>(REPEAT, 'run-duckdb.ts', () => [sql(), '1']);
  const all = await best<Answer>(REPEAT, 'run-duckdb.ts', () => [sql(), THREADS]);
  const agreement =
    c.request.operation === 'non_null'
      ? sameCount(engine.rows_out, one)
      : agree(await readResult(lastOutput, outFormat), one.rows);
  const polars = await measurePolars(format, file, c, () => output('p'), one);
  return { rows, format, name: c.name, id: c.id, engine, one, all, agree: agreement, ...polars };
}

const fmt = (m: Measure | undefined): string => (m === undefined ? '—' : `${(m.ms / 1000).toFixed(2)} s`);

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
          `${rows} ${format} ${c.name}: engine ${fmt(r.engine)} ${r.engine.rss_mb.toFixed(0)} MB, ` +
            `DuckDB 1T ${fmt(r.one)}, all ${fmt(r.all)}, polars 1T ${fmt(r.polarsOne)}, all ${fmt(r.polarsAll)}, ` +
            `${(r.engine.ms / r.one.ms).toFixed(1)}×, agree ${r.agree}, polars agree ${r.polarsAgree ?? '—'}`,
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

let spill: SpillResult | undefined;
if (values.spill) {
  spill = await runSpill({
    dataDir,
    rows: Number(values['spill-rows']),
    memoryLimit: values['spill-memory'],
    repeat: REPEAT,
    engineEnv: ENGINE_ENV,
  });
  console.log(
    `spill: group_by id on ${spill.rows} rows under ${spill.memoryLimit}: engine ${fmt(spill.engine)} ` +
      `${spill.engine.rss_mb.toFixed(0)} MB, DuckDB all ${fmt(spill.duckdb)} ${spill.duckdb.rss_mb.toFixed(0)} MB, ` +
      `check ${spill.check}`,
  );
}

const polarsVersion = (createRequire(import.meta.url)('nodejs-polars/package.json') as { version: string })
  .version;
const info = { duckdb: duckdbVersion(), polars: polarsVersion, engineThreads: ENGINE_THREADS };
const text = report(results, REPEAT, info, spill);
console.log(`\n${text}`);
if (OUT) {
  await writeFile(OUT, text);
  console.log(`written to ${path.relative(process.cwd(), OUT)}`);
  if (results.length > 0) {
    const svg = `${OUT.replace(/\.md$/, '')}.svg`;
    await writeFile(svg, await renderChart(results));
    console.log(`chart written to ${path.relative(process.cwd(), svg)}`);
  }
}
