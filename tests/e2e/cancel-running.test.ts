/**
 * End to end: a running job shows its progress and can be cancelled. The
 * request goes through HTTP, the queue and the worker's process; the cancel
 * (DELETE) is seen by the worker's heartbeat, which interrupts the DuckDB
 * query; no output or temporary file is left on the storage.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { call, makeToken, stackEnv, type Job } from './support/client.js';

const env = stackEnv();

beforeAll(async () => {
  // Long enough to be caught running on any machine: 4,000,000 rows, one group per text key,
  // with a median and a distinct count per group.
  await mkdir(path.join(env.root, 'e2e-long'), { recursive: true });
  const writer = await (await DuckDBInstance.create(':memory:')).connect();
  await writer.run(
    `COPY (SELECT md5(range::VARCHAR) AS k, range % 97 AS v FROM range(4000000))
     TO '${path.join(env.root, 'e2e-long', 'big.parquet')}'`,
  );
  writer.closeSync();
}, 120_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('a running job shows its progress, and DELETE interrupts it and leaves no output', async () => {
  const token = await makeToken(env.secret, { sub: 'impatient' });
  const submitted = await call(env.url, 'POST', '/compute/group_by', {
    token,
    body: {
      input: 'e2e-long/big.parquet',
      columns: ['k'],
      aggregations: { v: ['median', 'nunique', 'std'] },
    },
  });
  expect(submitted.status).toBe(202);
  const id = (submitted.body as Job).job_id;
  let job = submitted.body as Job;
  const deadline = Date.now() + 60_000;
  while (job.status === 'queued' && Date.now() < deadline) {
    await sleep(100);
    job = (await call(env.url, 'GET', `/jobs/${id}`, { token })).body as Job;
  }
  expect(job.status).toBe('running');
  expect(job.progress).toEqual(expect.any(Number));
  const cancelled = await call(env.url, 'DELETE', `/jobs/${id}`, { token });
  expect(cancelled.status).toBe(200);
  expect((cancelled.body as Job).status).toBe('cancelled');
  // The worker sees the cancel at its next heartbeat (1 s), interrupts the query and acknowledges.
  const settled = Date.now() + 20_000;
  let left: string[] = ['?'];
  while (Date.now() < settled) {
    await sleep(250);
    const names = await readdir(path.join(env.root, 'results')).catch(() => [] as string[]);
    left = names.filter((n) => n.includes(id));
    if (left.length === 0) break;
  }
  expect(left).toEqual([]);
  const after = (await call(env.url, 'GET', `/jobs/${id}`, { token })).body as Job;
  expect(after).toMatchObject({ status: 'cancelled', error: null });
  expect(after.rows_out).toBeNull();
}, 120_000);
