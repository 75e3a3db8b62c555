/**
 * Issue 12, item 1: tiny Parquet files whose metadata lies about what they
 * hold. Each must end in `parse_error` — at submission (inspection) and in
 * the worker (every operation) — never in an allocation sized from the lie,
 * a crash, or an unexpected error that the queue would retry.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ComputeRequest, Operation } from '../../lib/compute-request.js';
import { inspectInput, INSPECT_HEADER_BYTES, runCompute } from '../../lib/engine/index.js';
import { Storage } from '../../lib/storage/storage.js';
import {
  longFooter,
  lyingOptionalRowCount,
  lyingPageOnly,
  lyingPageValues,
  lyingRowCount,
} from './support/lying-parquet.js';
import { parseErrorOf } from './support/parse-error.js';

let root: string;
let storage: Storage;
let n = 0;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'engine-parquet-lies-'));
  storage = new Storage(root);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(name: string, bytes: Buffer): Promise<string> {
  await writeFile(path.join(root, name), bytes);
  return name;
}

function run(input: string, operation: Operation): Promise<unknown> {
  return runCompute(storage, {
    operation,
    input,
    columns: ['a'],
    ...(operation === 'group_by' && { aggregations: { a: ['sum', 'count'] } }),
    output: `out-${++n}.csv`,
    output_format: 'csv',
  } as ComputeRequest);
}

const OPERATIONS: readonly Operation[] = ['stats', 'group_by', 'non_null'];

describe('a 132-byte file whose footer declares 2e9 rows', () => {
  let input: string;
  beforeAll(async () => {
    const bytes = lyingRowCount();
    expect(bytes.length).toBe(132);
    input = await put('rows.parquet', bytes);
  });

  test('is refused at submission with parse_error naming the lie', async () => {
    const err = await parseErrorOf(inspectInput(storage, input));
    expect(err.message).toMatch(/2000000000 PLAIN INT32 values cannot fit in 25 bytes/);
  });

  test.each(OPERATIONS)('fails %s with parse_error before any row is read', async (operation) => {
    const err = await parseErrorOf(run(input, operation));
    expect(err.message).toMatch(/^not a readable Parquet file: /);
  });
});

describe('a 136-byte file of one row whose data page declares 4e8 values', () => {
  let input: string;
  beforeAll(async () => {
    const bytes = lyingPageValues();
    expect(bytes.length).toBe(136);
    input = await put('values.parquet', bytes);
  });

  test('is refused at submission with parse_error', async () => {
    const err = await parseErrorOf(inspectInput(storage, input));
    expect(err.message).toMatch(/declares 400000000 values for 1 rows/);
  });

  test.each(OPERATIONS)('fails %s with parse_error', async (operation) => {
    await parseErrorOf(run(input, operation));
  });
});

test('a lying row count on an optional column, which no size bound can refuse, is a parse_error from the reader', async () => {
  const input = await put('optional.parquet', lyingOptionalRowCount());
  const err = await parseErrorOf(run(input, 'stats'));
  expect(err.message).toBe('not a readable Parquet file: Out of buffer');
});

test('a page declaring more values than its footer reads only the rows the footer declares', async () => {
  const input = await put('page-only.parquet', lyingPageOnly());
  await expect(run(input, 'stats')).resolves.toMatchObject({ rows_in: 1, rows_out: 1 });
});

test('a footer whose Thrift is garbage is a parse_error, not an internal error', async () => {
  const bytes = Buffer.from(lyingRowCount());
  // Inside the schema list of the footer: an invalid compact type.
  bytes.fill(0xff, 60, 63);
  await parseErrorOf(run(await put('garbage.parquet', bytes), 'stats'));
});

test('a footer declaring more bytes than the file holds is a parse_error', async () => {
  const bytes = Buffer.from(lyingRowCount());
  bytes.writeUInt32LE(1_000_000, bytes.length - 8);
  const err = await parseErrorOf(inspectInput(storage, await put('long-length.parquet', bytes)));
  expect(err.message).toMatch(/the footer declares 1000000 bytes, more than the 132-byte file holds/);
});

test('a footer longer than the inspection bound is left to the worker, which reads it', async () => {
  const input = await put('long-footer.parquet', longFooter(INSPECT_HEADER_BYTES + 1));
  await expect(inspectInput(storage, input)).resolves.toEqual({ format: 'parquet', columns: undefined });
  await expect(run(input, 'stats')).resolves.toMatchObject({ rows_in: 1 });
});
