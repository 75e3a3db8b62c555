/**
 * `node --import tsx scripts/duckdb-cold-start.ts [--runs N]`: the cost DuckDB
 * adds to a cold start. Each run is a fresh Node process (nothing cached in
 * the module registry), which times `import('@duckdb/node-api')`,
 * `DuckDBInstance.create(':memory:')` and a first query; one scenario runs
 * `SELECT 42`, the other a first `read_csv` of a 1,000-row file. Prints the
 * median of each stage over the runs (default 5) as a Markdown table.
 *
 * The file system cache is warm after the first run, as it is for every
 * Lambda cold start but the first on a host; the figures are this machine's,
 * not Lambda's (whose vCPU share depends on the function's memory).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';

const run = promisify(execFile);

/** Stage timings of one fresh process, in milliseconds. */
interface Timings {
  import: number;
  create: number;
  query: number;
  total: number;
}

/** Code of the child process: an ES module that prints its timings as JSON. */
const child = (query: string): string => `
const t0 = performance.now();
const { DuckDBInstance } = await import('@duckdb/node-api');
const t1 = performance.now();
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const t2 = performance.now();
const reader = await connection.runAndReadAll(${JSON.stringify(query)});
if (reader.getRows().length === 0) throw new Error('no rows');
const t3 = performance.now();
connection.closeSync();
instance.closeSync();
process.stdout.write(JSON.stringify({ import: t1 - t0, create: t2 - t1, query: t3 - t2, total: t3 - t0 }));
`;

async function once(query: string): Promise<Timings> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', child(query)], {
    cwd: process.cwd(),
  });
  return JSON.parse(stdout) as Timings;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } }, strict: true });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number ≥ 1');

const dir = await mkdtemp(path.join(os.tmpdir(), 'duckdb-cold-start-'));
try {
  const csv = path.join(dir, 'rows.csv');
  const lines = ['id,name,amount,day'];
  for (let i = 0; i < 1000; i++)
    lines.push(`${i},name-${i % 37},${(i * 7.25).toFixed(2)},2026-01-${(i % 28) + 1}`);
  await writeFile(csv, `${lines.join('\n')}\n`);
  const scenarios: [string, string][] = [
    ['SELECT 42', 'SELECT 42'],
    ['read_csv, 1,000 rows', `SELECT * FROM read_csv('${csv.replaceAll("'", "''")}')`],
  ];
  const fmt = (ms: number): string => ms.toFixed(0);
  process.stdout.write(
    `Node ${process.version}, ${os.cpus().length} cores, median of ${runs} fresh processes (ms)\n\n`,
  );
  process.stdout.write(
    '| first query | import | create + connect | query | total |\n|---|--:|--:|--:|--:|\n',
  );
  for (const [name, query] of scenarios) {
    const samples: Timings[] = [];
    for (let i = 0; i < runs; i++) samples.push(await once(query));
    const m = (key: keyof Timings): string => fmt(median(samples.map((s) => s[key])));
    process.stdout.write(`| ${name} | ${m('import')} | ${m('create')} | ${m('query')} | ${m('total')} |\n`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
