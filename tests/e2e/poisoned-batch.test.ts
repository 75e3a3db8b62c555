/**
 * End to end, on stacks of their own: one poisoned record in a batch of
 * good ones. Ten jobs are accepted while the worker is paused (and the queue
 * kept in memory, so it is empty after a stop); the stack is stopped and
 * started again with one worker taking batches of ten, so the recovery puts
 * the ten jobs back on the queue and the worker gets them in one batch. The
 * poisoned job's output lies under a regular file: its write fails on every
 * delivery. The nine others must succeed at their first attempt; the
 * poisoned one must be delivered again, then fail with a reason — while its
 * neighbours are not run again. Its message then goes to the dead-letter
 * queue, which the dead-letter function now consumes (it used to keep it):
 * the job, already failed by the worker, keeps its own reason.
 */
import { rm } from 'node:fs/promises';
import { call, makeToken, type Job } from './support/client.js';
import { outputProblems, submitMany, waitAllTerminal } from './support/job-batch.js';
import { spawnStack, type StackProcess } from './support/stack-process.js';
import { BLOCKER_FILE, prepareStorage, type StorageLayout } from './support/storage-layout.js';

const SECRET = 'poisoned-batch-suite-secret-0123456789';
let layout: StorageLayout;
let stack: StackProcess | undefined;

beforeAll(async () => {
  layout = await prepareStorage();
});

afterAll(async () => {
  await stack?.stop();
  await rm(layout.base, { recursive: true, force: true });
});

/** Batches the event source reported with some records failed: `{records, failed}` from its JSON log lines. */
function partlyFailedBatches(output: string): { records: number; failed: number }[] {
  const batches: { records: number; failed: number }[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { records?: unknown; failed?: unknown };
      if (typeof entry.records === 'number' && typeof entry.failed === 'number' && entry.failed > 0) {
        batches.push({ records: entry.records, failed: entry.failed });
      }
    } catch {
      // not a log line
    }
  }
  return batches;
}

test('a batch with one poisoned record: the nine others succeed once, the poisoned job is retried and failed with its reason', async () => {
  const env = { SQS_PERSIST: '0', WORKER_VISIBILITY_TIMEOUT: '1' };
  stack = await spawnStack({
    root: layout.root,
    jwtSecret: SECRET,
    env: { ...env, MAX_WORKER_CONCURRENCY: '0' },
  });
  const token = await makeToken(SECRET, { sub: 'batch-owner' });
  const good = await submitMany({ url: stack.url, token, indices: [0, 1, 2, 3, 4], clients: 1 });
  const poisoned = await call(stack.url, 'POST', '/compute/stats', {
    token,
    body: { input: 'e2e/sales.csv', columns: ['amount'], output: `${BLOCKER_FILE}/poisoned.csv` },
  });
  expect(poisoned.status).toBe(202);
  const poisonedId = (poisoned.body as Job).job_id;
  const more = await submitMany({ url: stack.url, token, indices: [5, 6, 7, 8], clients: 1 });
  const accepted = [...good.accepted, ...more.accepted];
  expect(accepted).toHaveLength(9);
  await stack.stop();

  stack = await spawnStack({
    root: layout.root,
    jwtSecret: SECRET,
    env: { ...env, MAX_WORKER_CONCURRENCY: '1', WORKER_BATCH_SIZE: '10' },
  });
  expect(stack.output()).toMatch(/Recovered\s+10 unfinished job/);
  const jobs = await waitAllTerminal(stack.url, token, 60_000);

  expect(await outputProblems(layout.root, accepted, jobs)).toEqual([]);
  // Run once each: the poisoned record's retries did not drag its neighbours along.
  expect(accepted.map((a) => jobs.get(a.id)?.attempts)).toEqual(accepted.map(() => 1));
  const failed = jobs.get(poisonedId);
  expect({ status: failed?.status, attempts: failed?.attempts }).toEqual({ status: 'failed', attempts: 3 });
  expect(['storage_error', 'internal_error']).toContain(failed?.error?.code);
  expect(failed?.error?.message).toMatch(/gave up after 3 attempts/);
  expect(failed?.error?.message).not.toContain(layout.base);

  // Dead-lettered, then consumed by the dead-letter function, which left the worker's reason alone.
  const handled = new RegExp(
    `dead-lettered job had already ended.*${poisonedId}|${poisonedId}.*dead-lettered job had already ended`,
  );
  const until = Date.now() + 20_000;
  while (!handled.test(stack.output()) && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
  expect(stack.output()).toMatch(handled);
  const after = await call(stack.url, 'GET', `/jobs/${poisonedId}`, { token });
  expect((after.body as Job).error).toEqual(failed?.error);

  // The first delivery was one batch holding the poisoned record among good ones.
  const batches = partlyFailedBatches(stack.output());
  expect(batches[0]).toEqual({ records: 10, failed: 1 });
  process.stdout.write(
    `poisoned-batch: batches with failures ${JSON.stringify(batches)}; ` +
      `poisoned job ${failed?.error?.code}: ${failed?.error?.message}\n`,
  );
}, 180_000);
