/**
 * Memory under hostile inputs. Each case runs in a child process of its own
 * (tests/unit/support/memory-probe.ts) that streams the input to disk, runs
 * the engine on it and reports its resident-set high-water mark, so that one
 * case's garbage never hides in another's figure. Each must end in a result
 * or a typed error with a stable code — never a raw exception — and take no
 * more memory than its stated bound.
 *
 * `npm test` uses small sizes (a few seconds in all); `npm run fuzz`
 * (`FUZZ_RUNS` set) the sizes of the issue: a 100 MB single line, 50,000
 * columns, a million levels of nesting.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MAX_COLUMNS } from '../../lib/engine/limits.js';
import { ERROR_CODES } from '../../lib/errors.js';
import type { MemoryCase, ProbeReport } from './support/memory-probe.js';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PROBE = path.join(REPO_ROOT, 'tests/unit/support/memory-probe.ts');
const LONG = process.env.FUZZ_RUNS !== undefined;
const MB = 1024;
/** The worker's Lambda has 3538 MB (serverless.yml), shared by DuckDB and Node: no single hostile input may take even 1 GB of it. */
const WORKER_SHARE_KB = 1024 * MB;

/** Runs one case in a fresh process and returns its report. */
async function probe(c: MemoryCase): Promise<ProbeReport> {
  const { stdout } = await run(
    process.execPath,
    ['--expose-gc', '--no-warnings', '--import', 'tsx', PROBE, JSON.stringify(c)],
    { cwd: REPO_ROOT, env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 1 << 20, timeout: 170_000 },
  ).catch((err: { stdout?: string; stderr?: string; message: string }) => ({
    stdout: `${err.stdout ?? ''}\nPROBE-CRASH ${err.stderr?.slice(-500) ?? err.message}`,
  }));
  const line = stdout.split('\n').find((l) => l.startsWith('PROBE'));
  if (!line?.startsWith('PROBE ')) throw new Error(`${JSON.stringify(c)}: ${line ?? stdout.slice(-500)}`);
  const report = JSON.parse(line.slice('PROBE '.length)) as ProbeReport;
  process.stdout.write(
    `fuzz-memory ${JSON.stringify(c)}: ${report.outcome}, +${Math.round((report.peakKb - report.baselineKb) / MB)} MB peak ` +
      `over ${Math.round(report.baselineKb / MB)} MB, ${report.ms} ms\n`,
  );
  return report;
}

/** Asserts a stable outcome and a peak growth under `boundKb`. */
function expectBounded(report: ProbeReport, boundKb: number, outcomes?: readonly string[]): void {
  expect(['result', ...ERROR_CODES]).toContain(report.outcome);
  if (outcomes) expect(outcomes).toContain(report.outcome);
  expect(report.peakKb - report.baselineKb).toBeLessThan(boundKb);
}

const CASE_TIMEOUT = 180_000;

// The widest accepted input costs DuckDB about 6 KB of plan per column whatever the row count: measured
// +41 to +66 MB on this 2-core machine depending on load, so 64 MB failed now and then; 96 MB still
// catches a per-column cost that grows (30,000 columns took 1.1 GB before MAX_COLUMNS).
test(
  `a CSV of ${MAX_COLUMNS.toLocaleString('en')} columns (MAX_COLUMNS) is computed within 96 MB more than the baseline`,
  async () => {
    expectBounded(await probe({ kind: 'wide-csv', columns: MAX_COLUMNS, rows: 20 }), 96 * MB, ['result']);
  },
  CASE_TIMEOUT,
);

test(
  `a CSV of ${LONG ? '50,000' : '10,001'} columns is refused with parse_error within 64 MB`,
  async () => {
    expectBounded(
      await probe({ kind: 'wide-csv', columns: LONG ? 50_000 : MAX_COLUMNS + 1, rows: 20 }),
      64 * MB,
      ['parse_error'],
    );
  },
  CASE_TIMEOUT,
);

// Issue 12, item 2: 30,000 records of one distinct key each (379 KB of NDJSON). The JavaScript
// reader carried every column seen so far in every batch and died of it; DuckDB's planner, given
// 30,000 typed columns, ran for over five minutes. Every format now stops at MAX_COLUMNS.
test.each(['ndjson', 'json', 'xml', 'csv'] as const)(
  '30,000 distinct keys in %s are refused with parse_error within 64 MB and 10 seconds',
  async (format) => {
    const report = await probe({ kind: 'many-keys', format, keys: 30_000 });
    expectBounded(report, 64 * MB, ['parse_error']);
    expect(report.ms).toBeLessThan(10_000);
  },
  CASE_TIMEOUT,
);

const LINE_MB = LONG ? 100 : 8;
// Small lines: 16 times the line (text decoding, the record, its cells, the output) plus 64 MB of slack;
// alone, CSV takes ~46 MB, JSON and NDJSON ~95 MB, and NDJSON ~150 MB when the machine is busy (GC later).
// The 100 MB line is over the 64 Mi-character record limit: refused with parse_error once the
// limit is passed, within 512 MB (measured: CSV and JSON ~200 MB, NDJSON ~70, XML ~25; before the
// limit was enforced wherever reads cut the line, JSON took 1.4 GB and 52 s to accept it).
const LINE_BOUND_KB = LONG ? WORKER_SHARE_KB / 2 : (16 * LINE_MB + 64) * MB;

test.each(['csv', 'ndjson', 'json', 'xml'] as const)(
  `a single ${LINE_MB} MB line of %s ends in a result or a typed error within ${Math.round(LINE_BOUND_KB / MB)} MB`,
  async (format) => {
    const report = await probe({ kind: 'long-line', format, megabytes: LINE_MB });
    expectBounded(report, LINE_BOUND_KB, LONG ? ['parse_error'] : undefined);
  },
  CASE_TIMEOUT,
);

test.each(['billion-laughs', 'external-entity'] as const)(
  'an XML %s bomb is refused with parse_error, expanding nothing (under 16 MB)',
  async (variant) => {
    expectBounded(await probe({ kind: 'xml-bomb', variant }), 16 * MB, ['parse_error']);
  },
  CASE_TIMEOUT,
);

test(
  '200,000 small XML records stream within 96 MB',
  async () => {
    expectBounded(await probe({ kind: 'xml-bomb', variant: 'quadratic' }), 96 * MB, ['result']);
  },
  CASE_TIMEOUT,
);

const DEPTH = LONG ? 1_000_000 : 100_000;

test.each(['json', 'ndjson'] as const)(
  `${DEPTH.toLocaleString('en')} levels of nested arrays in %s end in a typed error or a result within 64 MB`,
  async (format) => {
    expectBounded(await probe({ kind: 'deep-json', format, depth: DEPTH }), 64 * MB);
  },
  CASE_TIMEOUT,
);

test(
  `${DEPTH.toLocaleString('en')} levels of nested XML elements end in a typed error or a result within 64 MB`,
  async () => {
    expectBounded(await probe({ kind: 'deep-xml', depth: DEPTH }), 64 * MB);
  },
  CASE_TIMEOUT,
);

test(
  'a long run of small malformed files leaves the heap where it was (under 2 MB of growth)',
  async () => {
    const report = await probe({ kind: 'fuzz-loop', iterations: LONG ? 3000 : 300, seed: 20261129 });
    expectBounded(report, 64 * MB, ['result']);
    expect(report.heapGrowthKb).toBeLessThan(2 * MB);
  },
  CASE_TIMEOUT,
);
