/**
 * Larger than memory: a group_by with one group per row under a memory limit
 * below the size of its groups (2,000,000 × id, count and a 128-bit sum:
 * 64 MB raw) completes, DuckDB compressing and spilling to the temporary
 * folder, with an exact result. Sized for CI (2,000,000 rows, 48 MB); the
 * 20,000,000-row, 512 MB run is `npm run bench -- --spill`.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ComputeRequest } from '../../lib/compute-request.js';
import { connectTo } from '../../lib/engine/database.js';
import { runCompute } from '../../lib/engine/index.js';
import { Storage } from '../../lib/storage/storage.js';

const ROWS = 2_000_000;
let root: string;
let spill: string;

beforeAll(async () => {
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'engine-spill-')));
  spill = path.join(root, '..', `${path.basename(root)}-spill`);
  const writer = await (await DuckDBInstance.create(':memory:')).connect();
  await writer.run(
    `COPY (SELECT range AS id, range % 7 AS v FROM range(${ROWS})) TO '${path.join(root, 'big.parquet')}'`,
  );
  writer.closeSync();
  // The first connection opens the root's database with these settings.
  (
    await connectTo(root, {
      memoryLimitMb: 48,
      threads: 1,
      tempDirectory: spill,
      maxTempDirectorySizeMb: 4096,
    })
  ).closeSync();
}, 120_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(spill, { recursive: true, force: true });
});

test('a group_by with one group per row completes under a 48 MB memory limit, exactly', async () => {
  const result = await runCompute(new Storage(root), {
    operation: 'group_by',
    input: 'big.parquet',
    columns: ['id'],
    aggregations: { v: ['sum'] },
    output: 'out/groups.parquet',
  } as ComputeRequest);
  expect(result).toMatchObject({ rows_in: ROWS, rows_out: ROWS });
  const reader = await (await DuckDBInstance.create(':memory:')).connect();
  const check = await reader.runAndReadAll(
    `SELECT count(*), count(DISTINCT id), sum(count), sum(v_sum), bool_and(v_sum = id % 7),
            min(id) = 0 AND max(id) = ${ROWS - 1}
     FROM read_parquet('${path.join(root, 'out', 'groups.parquet')}')`,
  );
  reader.closeSync();
  const [rows, distinct, counted, sum, each, range] = check.getRowsJS()[0]!;
  expect([Number(rows), Number(distinct), Number(counted), each, range]).toEqual([
    ROWS,
    ROWS,
    ROWS,
    true,
    true,
  ]);
  expect(Number(sum)).toBe(
    Array.from({ length: 7 }, (_, v) => v * Math.ceil((ROWS - v) / 7)).reduce((a, b) => a + b),
  );
}, 300_000);
