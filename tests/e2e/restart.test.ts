/**
 * End to end, on a stack of its own: with the worker paused, jobs stay
 * queued — `Prefer: wait` times out into a 202, the queue limit answers 429,
 * a queued job can be cancelled. Then the stack is killed with SIGKILL and
 * started again on the same storage: every accepted job finishes, the
 * cancelled one stays cancelled.
 */
import { access, rm } from 'node:fs/promises';
import path from 'node:path';
import { call, expectError, makeToken, waitForJob, type Job } from './support/client.js';
import { differences, readOutput } from './support/outputs.js';
import { CASES } from './support/sales.js';
import { spawnStack, type StackProcess } from './support/stack-process.js';
import { prepareStorage, type StorageLayout } from './support/storage-layout.js';

const SECRET = 'restart-suite-secret-restart-suite';
const MAX_QUEUED = 5;
let layout: StorageLayout;
let stack: StackProcess | undefined;

beforeAll(async () => {
  layout = await prepareStorage();
});

afterAll(async () => {
  await stack?.stop();
  await rm(layout.base, { recursive: true, force: true });
});

test('keeps every accepted job across a SIGKILL of the whole stack, and finishes them after a restart', async () => {
  stack = await spawnStack({
    root: layout.root,
    jwtSecret: SECRET,
    env: { MAX_WORKER_CONCURRENCY: '0', MAX_QUEUED_JOBS: String(MAX_QUEUED), WORKER_VISIBILITY_TIMEOUT: '2' },
  });
  const token = await makeToken(SECRET, { sub: 'survivor' });
  const submitted: { id: string; operation: string }[] = [];

  // Nothing consumes the queue: a wait of 1 s ends with the 202 of a queued job.
  const started = Date.now();
  const waited = await call(stack.url, 'POST', '/compute/stats', {
    token,
    body: { input: 'e2e/sales.csv', ...CASES[2]?.params },
    headers: { prefer: 'wait=1' },
  });
  expect(waited.status).toBe(202);
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  expect((waited.body as Job).status).toBe('queued');
  submitted.push({ id: (waited.body as Job).job_id, operation: 'stats' });

  for (let i = 1; i < MAX_QUEUED; i++) {
    const c = CASES[i % CASES.length];
    if (!c) throw new Error('no case');
    const format = ['csv', 'ndjson', 'parquet', 'xml'][i % 4] ?? 'csv';
    const res = await call(stack.url, 'POST', `/compute/${c.operation}`, {
      token,
      body: { input: `e2e/sales.${format}`, ...c.params },
    });
    expect(res.status).toBe(202);
    submitted.push({ id: (res.body as Job).job_id, operation: c.operation });
  }

  const refused = await call(stack.url, 'POST', '/compute/stats', {
    token,
    body: { input: 'e2e/sales.csv', columns: ['qty'] },
  });
  expectError(refused, 429, 'too_many_requests');
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

  const cancelledId = submitted.pop()?.id ?? '';
  const cancelled = await call(stack.url, 'DELETE', `/jobs/${cancelledId}`, { token });
  expect(cancelled.status).toBe(200);
  expect((cancelled.body as Job).status).toBe('cancelled');
  expectError(await call(stack.url, 'DELETE', `/jobs/${cancelledId}`, { token }), 409, 'conflict');

  // A crash: every process of the stack dies at once, nothing is flushed or stopped.
  stack.kill('SIGKILL');
  await stack.exited;
  await stack.stop();

  stack = await spawnStack({ root: layout.root, jwtSecret: SECRET, env: { WORKER_VISIBILITY_TIMEOUT: '2' } });
  expect(stack.output()).toMatch(/Recovered\s+4 unfinished job/);
  const finished = await Promise.all(submitted.map((s) => waitForJob(stack?.url ?? '', token, s.id)));
  for (const [i, job] of finished.entries()) {
    expect({ id: job.job_id, status: job.status, error: job.error }).toEqual({
      id: submitted[i]?.id,
      status: 'succeeded',
      error: null,
    });
    const expected = CASES.find((c) => c.operation === job.operation);
    if (!expected) throw new Error(`no case for ${job.operation}`);
    const table = await readOutput(path.join(layout.root, job.output), job.output_format);
    expect(differences(table, job.output_format, expected.columns, expected.rows)).toEqual([]);
  }
  const stillCancelled = await call(stack.url, 'GET', `/jobs/${cancelledId}`, { token });
  expect((stillCancelled.body as Job).status).toBe('cancelled');
  await expect(access(path.join(layout.root, (stillCancelled.body as Job).output))).rejects.toThrow();
});
