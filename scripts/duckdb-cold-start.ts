/**
 * `node --import tsx scripts/duckdb-cold-start.ts [--runs N]`: the cost DuckDB
 * adds to a cold start. Each run is a fresh Node process (nothing cached in
 * the module registry), which times `import('@duckdb/node-api')`,
 * `DuckDBInstance.create(':memory:')` and a first query; one scenario runs
 * `SELECT 42`, the other a first `read_csv` of a 1,000-row file. Each runs in
 * two forms: the package loaded from node_modules, and bundled as the
 * functions ship it (esbuild, ESM, `@duckdb/node-bindings` external, the
 * `createRequire` banner of serverless.yml's `custom.esbuild`). Prints the
 * median of each stage over the runs (default 5) as a Markdown table, with
 * the time since the process started and the process's CPU time (steadier
 * than wall time on a busy machine).
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
import { build } from 'esbuild';

const run = promisify(execFile);

/** Stage timings of one fresh process, in milliseconds. */
interface Timings {
  import: number;
  create: number;
  query: number;
  /** From the process's start (Node's bootstrap and, bundled, the bundle's parse included). */
  sinceStart: number;
  /** User + system CPU time of the process up to the end. */
  cpu: number;
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
const { user, system } = process.cpuUsage();
process.stdout.write(JSON.stringify({
  import: t1 - t0, create: t2 - t1, query: t3 - t2, sinceStart: t3, cpu: (user + system) / 1000,
}));
`;

/** Bundles the child as serverless.yml's `custom.esbuild` bundles a function. */
async function bundle(query: string, outfile: string): Promise<void> {
  await build({
    stdin: { contents: child(query), resolveDir: process.cwd(), loader: 'js' },
    bundle: true,
    outfile,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    mainFields: ['module', 'main'],
    external: ['@duckdb/node-bindings'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
}

async function once(args: string[], env: NodeJS.ProcessEnv): Promise<Timings> {
  const { stdout } = await run(process.execPath, args, { cwd: process.cwd(), env });
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
  process.stdout.write(
    `Node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}; ` +
      `median of ${runs} fresh processes (ms)\n\n` +
      '| first query | form | import | create + connect | query | since process start | process CPU |\n' +
      '|---|---|--:|--:|--:|--:|--:|\n',
  );
  for (const [name, query] of scenarios) {
    const bundled = path.join(dir, `probe-${scenarios.findIndex(([n]) => n === name)}.mjs`);
    await bundle(query, bundled);
    const forms: [string, string[], NodeJS.ProcessEnv][] = [
      ['node_modules', ['--input-type=module', '-e', child(query)], process.env],
      // The bundle lives outside the project: the bindings come through NODE_PATH, as from a zip's node_modules.
      ['bundled', [bundled], { ...process.env, NODE_PATH: path.resolve('node_modules') }],
    ];
    for (const [form, args, env] of forms) {
      const samples: Timings[] = [];
      for (let i = 0; i < runs; i++) samples.push(await once(args, env));
      const m = (key: keyof Timings): string => median(samples.map((s) => s[key])).toFixed(0);
      process.stdout.write(
        `| ${name} | ${form} | ${m('import')} | ${m('create')} | ${m('query')} | ${m('sinceStart')} | ${m('cpu')} |\n`,
      );
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
