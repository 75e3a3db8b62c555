/**
 * Property test: random tables with nulls, written by DuckDB in every input
 * format (XML by hand), run through every operation into every output format;
 * the engine's answers must match an independent reference implementation in
 * plain JavaScript (tests/unit/support/reference.ts) to 1e-9 relative, read
 * back with nodejs-polars, so that the engine (DuckDB) is never its own oracle.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ComputeRequest } from '../../lib/compute-request.js';
import { runCompute } from '../../lib/engine/index.js';
import { Storage } from '../../lib/storage/storage.js';
import { OUTPUT_FORMATS, type InputFormat, type OutputFormat, type Scalar } from '../../lib/types.js';
import { readBack } from './support/read-back.js';
import {
  referenceGroupBy,
  referenceNonNull,
  referenceStats,
  type Row as RefRow,
} from './support/reference.js';

interface Row {
  k: string | null;
  g: number | null;
  x: number | null;
  y: number | null;
}

const rowArb: fc.Arbitrary<Row> = fc.record({
  k: fc.option(fc.constantFrom('a', 'b', 'é', 'Zoë', 'x y', 'ø;|'), { nil: null }),
  g: fc.option(fc.integer({ min: -2, max: 3 }), { nil: null }),
  x: fc.option(
    fc.oneof(
      fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
      fc.integer().map((i) => i / 8),
    ),
    { nil: null },
  ),
  y: fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null }),
});

const RUNS = Number(process.env.ORACLE_RUNS ?? 3);
const INPUTS: InputFormat[] = ['csv', 'tsv', 'json', 'ndjson', 'xml', 'parquet'];

let base: string;
let storage: Storage;
let db: DuckDBConnection;
let fileCounter = 0;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'oracle-'));
  storage = new Storage(base);
  db = await (await DuckDBInstance.create(':memory:')).connect();
});

afterAll(async () => {
  db.closeSync();
  await rm(base, { recursive: true, force: true });
});

const sqlValue = (v: Scalar): string =>
  v === null ? 'NULL' : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v);

async function loadTable(rows: Row[]): Promise<void> {
  await db.run('CREATE OR REPLACE TABLE t (k VARCHAR, g INTEGER, x DOUBLE, y INTEGER)');
  const values = rows.map((r) => `(${[r.k, r.g, r.x, r.y].map(sqlValue).join(', ')})`).join(',\n');
  await db.run(`INSERT INTO t VALUES ${values}`);
}

const xmlText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

async function writeInputs(rows: Row[]): Promise<Record<InputFormat, string>> {
  const dir = `in${++fileCounter}`;
  const abs = (name: string): string => path.join(base, dir, name);
  await mkdir(path.join(base, dir), { recursive: true });
  await db.run(`COPY t TO '${abs('t.csv')}' (HEADER, DELIMITER ',')`);
  await db.run(`COPY t TO '${abs('t.tsv')}' (HEADER, DELIMITER '\t')`);
  await db.run(`COPY t TO '${abs('t.json')}' (FORMAT json, ARRAY true)`);
  await db.run(`COPY t TO '${abs('t.ndjson')}' (FORMAT json)`);
  await db.run(`COPY t TO '${abs('t.parquet')}' (FORMAT parquet, COMPRESSION zstd)`);
  const xml = rows
    .map(
      (r) =>
        '<row>' +
        // Nulls as empty elements: a column missing from every record could not be known at all.
        (['k', 'g', 'x', 'y'] as const)
          .map((c) => (r[c] === null ? `<${c}/>` : `<${c}>${xmlText(String(r[c]))}</${c}>`))
          .join('') +
        '</row>',
    )
    .join('\n');
  await writeFile(abs('t.xml'), `<?xml version="1.0"?>\n<rows>\n${xml}\n</rows>\n`);
  return Object.fromEntries(INPUTS.map((f) => [f, `${dir}/t.${f}`])) as Record<InputFormat, string>;
}

/** A cell as a number, when it is one (text as the outputs write numbers). */
const toNumber = (v: unknown): number | undefined =>
  typeof v === 'number'
    ? v
    : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : undefined;

const close = (a: number, b: number): boolean =>
  a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1e-300);

/** Compares rows cell by cell: numbers to 1e-9 relative, text exactly, by column name. */
function expectSameRows(actual: RefRow[], expected: RefRow[], what: string): void {
  if (actual.length !== expected.length)
    throw new Error(`${what}: ${actual.length} rows, expected ${expected.length}`);
  expected.forEach((exp, i) => {
    const act = actual[i]!;
    for (const [name, e] of Object.entries(exp)) {
      const a = act[name] ?? null;
      const ok =
        e === null
          ? a === null
          : typeof e === 'number'
            ? toNumber(a) !== undefined && close(toNumber(a)!, e)
            : String(a) === String(e);
      if (!ok)
        throw new Error(
          `${what}: row ${i} column ${name}: got ${JSON.stringify(a)}, expected ${JSON.stringify(e)}`,
        );
    }
  });
}

interface Case {
  name: string;
  request: Omit<ComputeRequest, 'input' | 'output' | 'output_format'>;
  expected: (rows: RefRow[]) => RefRow[];
}

const CASES: Case[] = [
  {
    name: 'stats',
    request: { operation: 'stats', columns: ['x', 'y'] },
    expected: (rows) => referenceStats(rows, ['x', 'y']),
  },
  {
    name: 'group_by on two keys with every aggregation',
    request: {
      operation: 'group_by',
      columns: ['k', 'g'],
      aggregations: {
        x: ['sum', 'mean', 'min', 'max', 'variance', 'std', 'median', 'nunique', 'count'],
        y: ['sum'],
      },
    },
    expected: (rows) =>
      referenceGroupBy(rows, ['k', 'g'], {
        x: ['sum', 'mean', 'min', 'max', 'variance', 'std', 'median', 'nunique', 'count'],
        y: ['sum'],
      }),
  },
  {
    name: 'group_by on one numeric key',
    request: { operation: 'group_by', columns: ['g'], aggregations: { y: ['mean', 'max'] } },
    expected: (rows) => referenceGroupBy(rows, ['g'], { y: ['mean', 'max'] }),
  },
  {
    name: 'non_null (all)',
    request: { operation: 'non_null', columns: ['x', 'k'] },
    expected: (rows) => referenceNonNull(rows, ['x', 'k']),
  },
  {
    name: 'non_null (any)',
    request: { operation: 'non_null', columns: ['g', 'y'], options: { how: 'any' } },
    expected: (rows) => referenceNonNull(rows, ['g', 'y'], 'any'),
  },
];

test('every operation, from every input format to every output format, agrees with the reference implementation', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(rowArb, { minLength: 1, maxLength: 40 }), async (rows) => {
      await loadTable(rows);
      const inputs = await writeInputs(rows);
      for (const c of CASES) {
        const expected = c.expected(rows as unknown as RefRow[]);
        for (const inFormat of INPUTS) {
          for (const outFormat of OUTPUT_FORMATS as readonly OutputFormat[]) {
            const output = `out${++fileCounter}/r.${outFormat}`;
            const request = {
              ...c.request,
              input: inputs[inFormat],
              output,
              output_format: outFormat,
            } as ComputeRequest;
            const result = await runCompute(storage, request);
            const actual = await readBack(path.join(base, output), outFormat);
            expectSameRows(actual, expected, `${c.name}, ${inFormat} → ${outFormat}`);
            expect(result.rows_out).toBe(expected.length);
            expect(result.rows_in).toBe(rows.length);
          }
        }
      }
    }),
    { seed: 20261128, numRuns: RUNS },
  );
}, 300_000);
