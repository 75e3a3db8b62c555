/**
 * The per-user limit on queued and running jobs (`MAX_QUEUED_JOBS_PER_USER`):
 * one user cannot fill the queue for everyone else.
 */
import { jest } from '@jest/globals';
import { makeHandlers as makeComputeHandlers } from '../../functions/compute.js';
import { makeHandlers } from '../../functions/jobs.js';
import { makeWorker } from '../../functions/worker.js';
import { transition } from '../../lib/jobs/job.js';
import { StorageError } from '../../lib/errors.js';
import { recoverJobs } from '../../lib/jobs/recover.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { apiEvent, lambdaContext } from './factories/api-event.js';
import type { MemoryQueue } from './factories/service.js';
import { testService, tokenFor } from './factories/service.js';
import { sqsEvent, sqsRecord } from './factories/sqs-event.js';

let deps: ServiceDeps;
let queue: MemoryQueue;
let cleanup: () => Promise<void>;
const withLimit = (limit: number): void => {
  deps = { ...deps, config: { ...deps.config, maxQueuedJobsPerUser: limit } };
};
beforeEach(async () => {
  ({ deps, queue, cleanup } = await testService());
});
afterEach(() => cleanup());

const STATS = { input: 'in/sales.csv', columns: ['amount'] };

async function submit(sub: string, body: unknown = STATS) {
  const event = apiEvent('POST /compute/stats', {
    headers: { authorization: `Bearer ${await tokenFor(sub)}` },
    body,
  });
  const res = await makeComputeHandlers(() => deps, 0).stats(event, lambdaContext());
  return { status: res.statusCode!, headers: res.headers ?? {}, body: JSON.parse(res.body!) };
}

test('a user with MAX_QUEUED_JOBS_PER_USER jobs waiting gets 429 with Retry-After; another user does not', async () => {
  withLimit(3);
  for (let i = 0; i < 3; i++) expect((await submit('bob')).status).toBe(202);
  const refused = await submit('bob');
  expect(refused.status).toBe(429);
  expect(refused.headers['retry-after']).toBe('5');
  expect(refused.body.error).toMatchObject({
    code: 'too_many_requests',
    message: expect.stringContaining('3 jobs queued or running'),
    details: { limit: 3, retry_after: 5 },
  });
  expect((await submit('alice')).status).toBe(202);
  expect(queue.sent).toHaveLength(4);
  expect(await deps.store.activeCount('bob')).toBe(3);
});

test('counts exactly under concurrent submissions of one user: 30 at once with a limit of 5 accept exactly 5', async () => {
  withLimit(5);
  const answers = await Promise.all(Array.from({ length: 30 }, () => submit('bob')));
  const statuses = answers.map((a) => a.status);
  expect(statuses.filter((s) => s === 202)).toHaveLength(5);
  expect(statuses.filter((s) => s === 429)).toHaveLength(25);
  expect(queue.sent).toHaveLength(5);
  expect(await deps.store.activeCount('bob')).toBe(5);
});

test('a job that ends frees its slot, whether it succeeded, failed or was cancelled', async () => {
  withLimit(1);
  const worker = makeWorker(() => deps);
  const run = (id: string) => worker(sqsEvent(sqsRecord(JSON.stringify({ job_id: id }))), lambdaContext());

  const first = await submit('bob');
  expect((await submit('bob')).status).toBe(429);
  await run(first.body.job_id);
  expect((await deps.store.get(first.body.job_id)).status).toBe('succeeded');

  // JSON columns are checked by the worker: this job fails there.
  const second = await submit('bob', { input: 'in/people.json', columns: ['nope'] });
  expect(second.status).toBe(202);
  await run(second.body.job_id);
  expect((await deps.store.get(second.body.job_id)).status).toBe('failed');

  const third = await submit('bob');
  expect(third.status).toBe(202);
  const cancel = apiEvent('DELETE /jobs/{id}', {
    headers: { authorization: `Bearer ${await tokenFor('bob')}` },
    pathParameters: { id: third.body.job_id },
  });
  expect((await makeHandlers(() => deps, 0).cancelJob(cancel, lambdaContext())).statusCode).toBe(200);
  expect((await submit('bob')).status).toBe(202);
});

test('a submission refused after its slot was reserved (missing input, queue down) gives the slot back', async () => {
  withLimit(1);
  expect((await submit('bob', { input: 'in/missing.csv', columns: ['amount'] })).status).toBe(404);
  queue.down = true;
  expect((await submit('bob')).status).toBe(503);
  queue.down = false;
  expect(await deps.store.activeCount('bob')).toBe(0);
  expect((await submit('bob')).status).toBe(202);
});

test('a count a crash left one too high (a submission killed after its reservation) is set right by the recovery', async () => {
  withLimit(2);
  const ended = await submit('bob');
  await deps.store.update(ended.body.job_id, (j) => transition(j, 'cancelled'));
  expect(await deps.store.activeCount('bob')).toBe(0);
  // Two submissions killed between their counter's increment and their job's write.
  expect(await deps.store.reserveSlot('bob', 2)).toBe(true);
  expect(await deps.store.reserveSlot('bob', 2)).toBe(true);
  expect((await submit('bob')).status).toBe(429);

  expect(await recoverJobs(deps.store, queue, 3)).toEqual({ requeued: 0, failed: 0 });
  expect(await deps.store.activeCount('bob')).toBe(0);
  expect((await submit('bob')).status).toBe(202);
});

test('recovery makes the counts match the jobs: unfinished jobs count, ended ones do not', async () => {
  withLimit(10);
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await submit('bob')).body.job_id);
  await deps.store.update(ids[0]!, (j) => transition(j, 'cancelled'));
  // Jobs imported from a version without counters: bob's count is lost.
  await deps.store.repairCounts([]);
  expect(await deps.store.activeCount('bob')).toBe(0);

  expect(await recoverJobs(deps.store, queue, 3)).toEqual({ requeued: 2, failed: 0 });
  expect(await deps.store.activeCount('bob')).toBe(2);
  await deps.store.reserveSlot('bob', 10);
  await recoverJobs(deps.store, queue, 3);
  expect(await deps.store.activeCount('bob')).toBe(2);
});

test('recovery still re-queues every job when a full storage refuses to repair the counts', async () => {
  withLimit(10);
  for (let i = 0; i < 2; i++) await submit('bob');
  // The table refuses the counters' writes: the jobs are re-queued all the same.
  const repair = jest
    .spyOn(deps.store, 'repairCounts')
    .mockRejectedValue(new StorageError('storage failure while writing service state (ENOSPC)', 'ENOSPC'));
  try {
    expect(await recoverJobs(deps.store, queue, 3)).toEqual({
      requeued: 2,
      failed: 0,
      countsError: 'storage failure while writing service state (ENOSPC)',
    });
    repair.mockRejectedValue(new Error('a bug, not the storage'));
    await expect(recoverJobs(deps.store, queue, 3)).rejects.toThrow('a bug, not the storage');
  } finally {
    repair.mockRestore();
  }
});
