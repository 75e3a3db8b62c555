/**
 * Issue 12, item 4: memory is bounded per job. A job that needs more than
 * DuckDB's memory limit (and its spill space) fails `resource_exhausted`,
 * alone: the process lives on, the memory is given back, and the next job
 * on the same database succeeds. (Two jobs running at once share the
 * database's limit: a small one started while a big one holds it can fail
 * too, so this test runs them one after the other, as a batch's records
 * would need to be.)
 */
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ComputeRequest } from '../../lib/compute-request.js';
import { connectTo } from '../../lib/engine/database.js';
import { runCompute } from '../../lib/engine/index.js';
import { ResourceExhaustedError } from '../../lib/errors.js';
import { Storage } from '../../lib/storage/storage.js';

let root: string;
let spill: string;
let storage: Storage;

beforeAll(async () => {
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'engine-memory-')));
  spill = await mkdtemp(path.join(os.tmpdir(), 'engine-memory-spill-'));
  // The database of this root is opened first, with a tiny memory limit and almost no spill space.
  (
    await connectTo(root, { memoryLimitMb: 48, threads: 1, tempDirectory: spill, maxTempDirectorySizeMb: 1 })
  ).closeSync();
  storage = new Storage(root);
  const rows = Array.from({ length: 300_000 }, (_, i) => `id-${i}-${'x'.repeat(40)},${i}`);
  await writeFile(path.join(root, 'big.csv'), `id,v\n${rows.join('\n')}\n`);
  await writeFile(path.join(root, 'small.csv'), 'a\n1\n2\n');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(spill, { recursive: true, force: true });
});

test('a job over the memory limit fails resource_exhausted and the next job on the same database succeeds', async () => {
  const err = await runCompute(storage, {
    operation: 'group_by',
    input: 'big.csv',
    columns: ['id'],
    aggregations: { v: ['nunique', 'median'] },
    output: 'big-out.csv',
    output_format: 'csv',
  } as ComputeRequest).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(err).toBeInstanceOf(ResourceExhaustedError);
  // DuckDB's figures reach the user intact (`… MiB/48.0 MiB used`), never mistaken for a path.
  expect((err as Error).message).toMatch(
    /^the job needs more memory .*Out of Memory Error: .*\/48\.0 MiB used\)$/,
  );
  const small = runCompute(storage, {
    operation: 'stats',
    input: 'small.csv',
    columns: ['a'],
    output: 'small-out.csv',
    output_format: 'csv',
  } as ComputeRequest);
  await expect(small).resolves.toMatchObject({ rows_in: 2, rows_out: 1 });
});
