/**
 * The benchmark's report: the machine, the method, a table per data set
 * size (service engine, raw DuckDB and polars side by side), the 20M-row
 * spill run when it was asked for, and the targets of issue 10, each marked
 * met or missed from the figures themselves.
 */
import { cpus, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Measure } from './child.js';

export type { Measure } from './child.js';

/** One line of the table: one input copy and operation at one size. */
export interface Result {
  readonly rows: number;
  readonly format: string;
  readonly id: string;
  readonly name: string;
  /** The service's engine (`runCompute`). */
  readonly engine: Measure;
  /** DuckDB on one thread, then on every core. */
  readonly one: Measure;
  readonly all: Measure;
  /** The engine's answer against DuckDB's: `yes` or the first difference. */
  readonly agree: string;
  /** nodejs-polars on one thread and on every core; absent where polars has no reader (XML). */
  readonly polarsOne?: Measure;
  readonly polarsAll?: Measure;
  /** Polars' answer against DuckDB's, as {@link Result.agree}. */
  readonly polarsAgree?: string;
}

/** The opt-in spill run: `group_by id` on more rows than the memory limit holds. */
export interface SpillResult {
  readonly rows: number;
  readonly memoryLimit: string;
  readonly engine: Measure;
  /** DuckDB (all threads) under the same limit, writing the same result. */
  readonly duckdb: Measure;
  /** `yes` when the result has one row per input row, each counted once; otherwise what differs. */
  readonly check: string;
}

const NONE = '—';
const s = (m: Measure | undefined): string => (m === undefined ? NONE : (m.ms / 1000).toFixed(2));
const mb = (m: Measure | undefined): string => (m === undefined ? NONE : m.rss_mb.toFixed(0));
const times = (x: number | undefined): string => (x === undefined ? NONE : `${x.toFixed(1)}×`);
const ratio = (r: Result): number => r.engine.ms / r.one.ms;
const polarsRatio = (r: Result): number | undefined =>
  r.polarsOne === undefined ? undefined : r.polarsOne.ms / r.one.ms;
const label = (format: string): string => (format === 'xml' ? 'xml †' : format.replace('-', ' '));

/** The Markdown table of one size's lines. */
export function table(results: readonly Result[]): string {
  const lines = [
    '| input | operation | engine s | engine MB | DuckDB 1T s | DuckDB 1T MB | DuckDB all s | DuckDB all MB | ' +
      'polars 1T s | polars 1T MB | polars all s | polars all MB | engine / DuckDB 1T | polars 1T / DuckDB 1T | ' +
      'agree | polars agree |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const r of results) {
    lines.push(
      `| ${label(r.format)} | ${r.name} | ${s(r.engine)} | ${mb(r.engine)} | ${s(r.one)} | ${mb(r.one)} | ` +
        `${s(r.all)} | ${mb(r.all)} | ${s(r.polarsOne)} | ${mb(r.polarsOne)} | ${s(r.polarsAll)} | ` +
        `${mb(r.polarsAll)} | ${times(ratio(r))} | ${times(polarsRatio(r))} | ${r.agree} | ${r.polarsAgree ?? NONE} |`,
    );
  }
  return lines.join('\n');
}

function cpuModel(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1] ?? cpus()[0]?.model ?? 'unknown CPU';
  } catch {
    return cpus()[0]?.model ?? 'unknown CPU';
  }
}

const verdict = (ok: boolean): string => (ok ? '**met**' : '**missed**');

function targets(results: readonly Result[], spill: SpillResult | undefined): string {
  const out: string[] = [];
  const at = (rows: number, pred: (r: Result) => boolean): Result[] =>
    results.filter((r) => r.rows === rows && pred(r) && r.id !== 'group_by_id');
  const ratioTarget = (title: string, list: Result[], limit: number): void => {
    if (list.length === 0) return;
    const worst = Math.max(...list.map(ratio));
    out.push(
      `- ${title}, each operation within ${limit}× DuckDB 1T: ${verdict(worst <= limit)} ` +
        `(${list.map((r) => `${r.format} ${r.name} ${ratio(r).toFixed(1)}×`).join('; ')}).`,
    );
  };
  ratioTarget(
    '1,000,000 rows CSV, Parquet, JSON and NDJSON',
    at(1_000_000, (r) => r.format !== 'xml'),
    1.5,
  );
  ratioTarget(
    '1,000,000 rows XML (DuckDB on the CSV copy)',
    at(1_000_000, (r) => r.format === 'xml'),
    5,
  );
  const big = at(5_000_000, (r) => r.format === 'csv' && (r.id === 'stats' || r.id === 'non_null'));
  if (big.length > 0) {
    const worst = Math.max(...big.map((r) => r.engine.rss_mb));
    out.push(
      `- 5,000,000 rows CSV, stats and non_null peak RSS under 300 MB: ${verdict(worst < 300)} ` +
        `(${big.map((r) => `${r.name} ${mb(r.engine)} MB`).join('; ')}).`,
    );
  }
  if (spill !== undefined) {
    out.push(
      `- group_by id on ${spill.rows.toLocaleString('en')} rows under a ${spill.memoryLimit} memory limit, ` +
        `exact: ${verdict(spill.check === 'yes')} (${s(spill.engine)} s, peak RSS ${mb(spill.engine)} MB).`,
    );
  }
  return out.length === 0 ? 'No target applies to the sizes run.' : out.join('\n');
}

function spillSection(spill: SpillResult): string {
  return `## Beyond memory: group_by id, ${spill.rows.toLocaleString('en')} rows, ${spill.memoryLimit}

\`npm run bench -- --spill\`: \`group_by id\` (one group per row) on the CSV, the engine run with
\`DUCKDB_MEMORY_LIMIT=${spill.memoryLimit}\` and its spill folder under \`bench/data/\`; DuckDB on all threads
under the same \`memory_limit\` writes the same result as CSV. Check: the result has one row per input row, the ids
are distinct and the counts sum to the input's rows.

| | time s | peak RSS MB |
| --- | ---: | ---: |
| engine | ${s(spill.engine)} | ${mb(spill.engine)} |
| DuckDB all | ${s(spill.duckdb)} | ${mb(spill.duckdb)} |

Result check: ${spill.check}.
`;
}

/** What the report says about the run besides its figures. */
export interface RunInfo {
  /** DuckDB's and polars' versions, shown with the machine. */
  readonly duckdb: string;
  readonly polars: string;
  /** `DUCKDB_THREADS` given to the engine (`--engine-threads`), or undefined for the engine's own default. */
  readonly engineThreads?: string;
}

/**
 * The whole report as Markdown.
 *
 * @param results - the measured lines, in order
 * @param repeat - runs per figure (best of)
 * @param info - versions and the engine's thread setting
 * @param spill - the spill run, when one was asked for
 */
export function report(
  results: readonly Result[],
  repeat: number,
  info: RunInfo,
  spill?: SpillResult,
): string {
  const machine =
    `${cpuModel()}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux; ` +
    `Node ${process.version}; DuckDB ${info.duckdb}; nodejs-polars ${info.polars}; ` +
    new Date().toISOString().slice(0, 10);
  const sizes = [...new Set(results.map((r) => r.rows))];
  const tables = sizes
    .map(
      (rows) => `### ${rows.toLocaleString('en')} rows\n\n${table(results.filter((r) => r.rows === rows))}\n`,
    )
    .join('\n');
  const head = `# Engine benchmark

Generated by \`npm run bench\` (\`bench/engine-bench.ts\`)${results.length > 0 ? '; the chart of the same run is\n[results.svg](results.svg)' : ''}.

**Machine:** ${machine}.
`;
  const body = `**Data:** ${sizes.map((n) => n.toLocaleString('en')).join(' and ')} rows of \`id\` (unique integer), \`cat10\` (10 string
keys), \`cat1000\` (1,000 string keys), \`int\` and \`float\` (about 5% nulls each), \`date\` and \`bool\`, generated by
\`bench/generate-data.ts\` with a fixed seed into \`bench/data/\` (git-ignored, reused by later runs). DuckDB converts
the CSV to Parquet (snappy and zstd), JSON (one array) and NDJSON; the XML is written from the CSV, one \`<row>\` per
record, a null cell being an absent element.

**Method:** each figure is ${repeat === 1 ? 'one run' : `the fastest of ${repeat} runs`} in a fresh process: the wall
time of the operation alone (reading the input, computing, writing the result file), and the process's peak RSS
(\`VmHWM\`, which includes Node's, tsx's and the loaded modules' own memory). In the same run, on the same file:
the service's engine (\`runCompute\`, as the worker calls it, ${
    info.engineThreads === undefined
      ? 'with its own default threads'
      : `with \`DUCKDB_THREADS=${info.engineThreads}\``
  }), raw DuckDB with 1 thread and with all ${cpus().length}
threads, and nodejs-polars with 1 thread and all threads (\`POLARS_MAX_THREADS\`, one process per figure; lazy
\`scanCSV\`/\`scanParquet\`/\`scanJson\`, the JSON array read eagerly by \`readJSON\`). \`non_null\` writes its result
file in the engine's output format (CSV for XML in DuckDB's case; polars writes Parquet with its default zstd).
"agree" compares the engine's answer with DuckDB's 1-thread answer, "polars agree" polars' with the same: every
row and column, numbers to 1e-9 relative; for \`non_null\` the row counts. Ratios: time / DuckDB 1-thread time.

† DuckDB has no XML reader: for XML inputs DuckDB reads the CSV copy of the same rows, so the ratio compares the
engine's XML path with DuckDB's CSV path; polars has no XML reader either (—).

${tables}`;
  return `${head}
${results.length > 0 ? `${body}\n` : ''}${spill === undefined ? '' : `${spillSection(spill)}\n`}## Targets (issue 10, engine level)

${targets(results, spill)}
`;
}
