/**
 * Jobs whose worker dies: the dead-letter function ends them, the worker runs
 * a batch one record at a time with the suspects of a crash last, and the
 * recovery never queues again a job that used all its attempts.
 */
import { makeDeadLetterHandler } from '../../functions/dead-letter.js';
import { makeWorker } from '../../functions/worker.js';
import { runCompute } from '../../lib/engine/index.js';
import { transition, type Job } from '../../lib/jobs/job.js';
import { recoverJobs } from '../../lib/jobs/recover.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { withInjectedCrash } from '../../lib/service/fault-injection.js';
import type { Compute } from '../../lib/service/run-job.js';
import { makeHandlers } from '../../functions/compute.js';
import { apiEvent, lambdaContext } from './factories/api-event.js';
import type { MemoryQueue } from './factories/service.js';
import { testService, tokenFor } from './factories/service.js';
import { sqsEvent, sqsRecord } from './factories/sqs-event.js';

let deps: ServiceDeps;
let queue: MemoryQueue;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ deps, queue, cleanup } = await testService());
});
afterEach(() => cleanup());

async function submit(sub = 'alice', columns = ['amount']): Promise<string> {
  const event = apiEvent('POST /compute/stats', {
    headers: { authorization: `Bearer ${await tokenFor(sub)}` },
    body: { input: 'in/sales.csv', columns },
  });
  const res = await makeHandlers(() => deps, 0).stats(event, lambdaContext());
  expect(res.statusCode).toBe(202);
  return JSON.parse(res.body!).job_id;
}

const message = (id: string): string => JSON.stringify({ job_id: id });
const job = (id: string): Promise<Job> => deps.store.get(id);
/** What a worker that died during `attempts` attempts leaves: the job `running`, its attempts counted. */
const interrupted = (id: string, attempts: number) =>
  deps.store.update(id, (j) => {
    transition(j, 'running');
    j.attempts = attempts;
  });
const deadLetter = (...bodies: string[]) =>
  makeDeadLetterHandler(() => deps)(sqsEvent(...bodies.map((b) => sqsRecord(b, 1))), lambdaContext());

describe('the dead-letter function', () => {
  test('fails a job left running by a worker that died on each delivery, with worker_crashed, and frees its slot', async () => {
    const id = await submit();
    await interrupted(id, 3);
    expect(await deps.store.activeCount('alice')).toBe(1);
    expect((await deadLetter(message(id))).batchItemFailures).toEqual([]);
    expect(await job(id)).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { code: 'worker_crashed', message: expect.stringContaining("each of the job's 3 attempts") },
      finished_at: expect.any(String),
    });
    expect(await deps.store.activeCount('alice')).toBe(0);
  });

  test('fails a job still queued, whose worker died before it could start it', async () => {
    const id = await submit();
    await deadLetter(message(id));
    expect(await job(id)).toMatchObject({
      status: 'failed',
      attempts: 0,
      error: { code: 'worker_crashed', message: expect.stringContaining('before it could start the job') },
    });
  });

  test('leaves a job the worker already failed, or one that was cancelled, as it is', async () => {
    const failed = await submit();
    await deps.store.update(failed, (j) => {
      transition(j, 'running');
      transition(j, 'failed');
      j.error = { code: 'storage_error', message: 'disk full' };
    });
    const cancelled = await submit();
    await deps.store.update(cancelled, (j) => transition(j, 'cancelled'));
    await deadLetter(message(failed), message(cancelled));
    expect((await job(failed)).error).toEqual({ code: 'storage_error', message: 'disk full' });
    expect((await job(cancelled)).status).toBe('cancelled');
  });

  test('acknowledges a message that is not a job message, or names no job: no retry could help', async () => {
    const res = await deadLetter('not json', '{"job_id":"x","more":1}', message('00mx0sfwnt0e97da00d38b'));
    expect(res.batchItemFailures).toEqual([]);
  });
});

describe('the worker after a crash', () => {
  test('runs a batch one record at a time, the jobs found running (suspects of a crash) last', async () => {
    const suspect = await submit('mallory');
    await interrupted(suspect, 1);
    const others = [await submit('bob'), await submit('bob')];
    const order: string[] = [];
    let running = 0;
    let overlap = false;
    const compute: Compute = async (storage, request, control) => {
      overlap ||= running > 0;
      running += 1;
      order.push(request.output);
      try {
        return await runCompute(storage, request, control);
      } finally {
        running -= 1;
      }
    };
    const records = [suspect, ...others].map((id) => sqsRecord(message(id), 2));
    const res = await makeWorker(() => deps, compute)(sqsEvent(...records), lambdaContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(overlap).toBe(false);
    const outputs = await Promise.all([...others, suspect].map(async (id) => (await job(id)).output));
    expect(order).toEqual(outputs);
    // The others ran once; the suspect's second attempt succeeded.
    expect(await Promise.all([...others, suspect].map(async (id) => (await job(id)).attempts))).toEqual([
      1, 1, 2,
    ]);
  });

  test('gives a job at most MAX_RECEIVE_COUNT attempts, even when its message was sent again (receive count 1)', async () => {
    const id = await submit();
    await interrupted(id, 2);
    const failing: Compute = async () => {
      throw new Error('EIO: the storage hiccupped');
    };
    const res = await makeWorker(() => deps, failing)(sqsEvent(sqsRecord(message(id), 1)), lambdaContext());
    expect(res.batchItemFailures).toHaveLength(1);
    expect(await job(id)).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'internal_error' } });
  });
});

describe('the recovery at startup', () => {
  test('fails a job that used all its attempts instead of queuing it again; queues the others', async () => {
    const spent = await submit();
    await interrupted(spent, 3);
    const resumable = await submit();
    await interrupted(resumable, 2);
    const waiting = await submit();
    queue.sent.length = 0;
    expect(await recoverJobs(deps.store, queue, 3)).toEqual({ requeued: 2, failed: 1 });
    expect(queue.sent.sort()).toEqual([resumable, waiting].sort());
    expect(await job(spent)).toMatchObject({
      status: 'failed',
      attempts: 3,
      error: { code: 'worker_crashed' },
    });
    expect(await recoverJobs(deps.store, queue, 3)).toEqual({ requeued: 2, failed: 0 });
  });
});

describe('the injected crash of the local tests', () => {
  test('exists only in the local stack, for the named input: elsewhere the engine is returned as it is', () => {
    expect(withInjectedCrash(runCompute, { WORKER_CRASH_INPUT: 'in/sales.csv' })).toBe(runCompute);
    expect(withInjectedCrash(runCompute, { IS_OFFLINE: 'true' })).toBe(runCompute);
    expect(withInjectedCrash(runCompute, { IS_OFFLINE: 'true', WORKER_CRASH_INPUT: 'x.csv' })).not.toBe(
      runCompute,
    );
  });
});
