/**
 * Parquet through the engine: every column type of the golden fixtures
 * (written by DuckDB with each codec) comes out as the README says, read
 * back from CSV output with nodejs-polars as text.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import type { ComputeRequest } from '../../lib/compute-request.js';
import { runCompute } from '../../lib/engine/index.js';
import { Storage } from '../../lib/storage/storage.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'readers-parquet');
let root: string;
let storage: Storage;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'engine-parquet-'));
  storage = new Storage(root);
  await mkdir(path.join(root, 'in'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every row of a fixture, through non_null (how any on `id`) into CSV, as text cells. */
async function rowsOf(fixture: string): Promise<Record<string, string | null>[]> {
  await copyFile(path.join(FIXTURES, fixture), path.join(root, 'in', fixture));
  const output = `out/${++n}.csv`;
  await runCompute(storage, {
    operation: 'non_null',
    input: `in/${fixture}`,
    columns: ['id'],
    output,
    output_format: 'csv',
  } as ComputeRequest);
  return pl.readCSV(path.join(root, output), { inferSchemaLength: 0 }).toRecords() as Record<
    string,
    string | null
  >[];
}

async function expected(name: string): Promise<Record<string, unknown>[]> {
  return JSON.parse(await readFile(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>[];
}

function expectSame(actual: Record<string, string | null>[], wanted: Record<string, unknown>[]): void {
  expect(actual).toHaveLength(wanted.length);
  wanted.forEach((row, i) => {
    for (const [column, e] of Object.entries(row)) {
      const a = actual[i]![column] ?? null;
      // Non-finite numbers have no text form in the outputs: they are written as nulls (README).
      if (e === null || e === 'Infinity' || e === '-Infinity' || e === 'NaN')
        expect([column, a]).toEqual([column, null]);
      else if (typeof e === 'number') expect([column, Number(a)]).toEqual([column, e]);
      else expect([column, a]).toEqual([column, String(e)]);
    }
  });
}

test.each(['snappy', 'zstd', 'gzip', 'brotli', 'lz4'])(
  'reads every column type of a %s file as the README says',
  async (codec) => {
    expectSame(await rowsOf(`types-${codec}.parquet`), await expected('types.expected.json'));
  },
);

test('flattens structs to dotted names and keeps lists and maps as JSON text', async () => {
  expectSame(await rowsOf('nested.parquet'), await expected('nested.expected.json'));
});

test('keeps every digit of an INT64 beyond 2^53 in JSON, NDJSON, XML and Parquet outputs', async () => {
  await copyFile(path.join(FIXTURES, 'types-zstd.parquet'), path.join(root, 'in', 'big.parquet'));
  for (const format of ['json', 'ndjson', 'xml', 'csv'] as const) {
    const output = `out/big-${format}.${format}`;
    await runCompute(storage, {
      operation: 'non_null',
      input: 'in/big.parquet',
      columns: ['big'],
      output,
      output_format: format,
    } as ComputeRequest);
    const text = await readFile(path.join(root, output), 'utf8');
    expect([format, text.includes('9007199254740993'), text.includes('-9007199254740993')]).toEqual([
      format,
      true,
      true,
    ]);
  }
  await runCompute(storage, {
    operation: 'non_null',
    input: 'in/big.parquet',
    columns: ['big'],
    output: 'out/big.parquet',
    output_format: 'parquet',
  } as ComputeRequest);
  // Read back by DuckDB as text: a JavaScript number could not hold the value to compare.
  const reader = await (await DuckDBInstance.create(':memory:')).connect();
  const back = await reader.runAndReadAll(
    `SELECT typeof(big), CAST(big AS VARCHAR) FROM read_parquet('${path.join(root, 'out', 'big.parquet')}')`,
  );
  expect(back.getRowsJS()).toContainEqual(['BIGINT', '9007199254740993']);
  reader.closeSync();
});

test('writes Parquet results compressed with snappy, as the README documents', async () => {
  await copyFile(path.join(FIXTURES, 'types-zstd.parquet'), path.join(root, 'in', 'codec.parquet'));
  await runCompute(storage, {
    operation: 'non_null',
    input: 'in/codec.parquet',
    columns: ['id'],
    output: 'out/codec.parquet',
    output_format: 'parquet',
  } as ComputeRequest);
  const reader = await (await DuckDBInstance.create(':memory:')).connect();
  const codecs = await reader.runAndReadAll(
    `SELECT DISTINCT compression FROM parquet_metadata('${path.join(root, 'out', 'codec.parquet')}')`,
  );
  expect(codecs.getRowsJS()).toEqual([['SNAPPY']]);
  reader.closeSync();
});
