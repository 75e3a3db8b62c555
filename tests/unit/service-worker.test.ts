import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { makeHandlers } from '../../functions/compute.js';
import { makeWorker } from '../../functions/worker.js';
import { runCompute } from '../../lib/engine/index.js';
import { StorageError } from '../../lib/errors.js';
import type { Operation } from '../../lib/compute-request.js';
import type { Job } from '../../lib/jobs/job.js';
import { JobStore } from '../../lib/jobs/job-store.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import type { Compute } from '../../lib/service/run-job.js';
import { apiEvent, lambdaContext } from './factories/api-event.js';
import type { MemoryQueue } from './factories/service.js';
import { testService, tokenFor } from './factories/service.js';
import { sqsEvent, sqsRecord } from './factories/sqs-event.js';

let deps: ServiceDeps;
let queue: MemoryQueue;
let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ deps, queue, root, cleanup } = await testService());
});
afterEach(() => cleanup());

async function queueJob(body: Record<string, unknown>): Promise<string> {
  const operation = (body.op ?? 'stats') as Operation;
  delete body.op;
  const event = apiEvent(`POST /compute/${operation}`, {
    headers: { authorization: `Bearer ${await tokenFor()}` },
    body,
  });
  const res = await makeHandlers(() => deps, 0)[operation](event, lambdaContext());
  expect(res.statusCode).toBe(202);
  return JSON.parse(res.body!).job_id;
}

const message = (id: string): string => JSON.stringify({ job_id: id });
const job = (id: string): Promise<Job> => deps.store.get(id);

describe('worker', () => {
  test('runs a queued job with the real engine and records its success', async () => {
    const id = await queueJob({ input: 'in/sales.csv', columns: ['amount'] });
    const res = await makeWorker(() => deps)(sqsEvent(sqsRecord(message(id))), lambdaContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(await job(id)).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      rows_in: 3,
      rows_out: 1,
      error: null,
    });
    expect(await readFile(path.join(root, 'results', `${id}.csv`), 'utf8')).toContain('amount,2,1,1.75');
  });

  test('reports only the failing record of a batch; its neighbours succeed', async () => {
    const good = await queueJob({ input: 'in/sales.csv', columns: ['amount'] });
    const bad = await queueJob({ input: 'in/sales.csv', columns: ['region'] });
    const flaky: Compute = async (storage, request) => {
      if (request.columns.includes('region')) throw new Error('worker crashed');
      return runCompute(storage, request);
    };
    const records = [sqsRecord(message(good), 1, 'good'), sqsRecord(message(bad), 1, 'bad')];
    const res = await makeWorker(() => deps, flaky)(sqsEvent(...records), lambdaContext());
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect((await job(good)).status).toBe('succeeded');
    expect(await job(bad)).toMatchObject({ status: 'running', attempts: 1 });
  });

  test('marks the job failed on the last delivery, and still reports the record so it is dead-lettered', async () => {
    const id = await queueJob({ input: 'in/sales.csv', columns: ['amount'] });
    const broken: Compute = async () => {
      throw Object.assign(new Error('disk on fire at /secret/host/path'), { code: 'EIO2' });
    };
    const worker = makeWorker(() => deps, broken);
    for (let delivery = 1; delivery <= 3; delivery++) {
      const res = await worker(sqsEvent(sqsRecord(message(id), delivery, 'r')), lambdaContext());
      expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'r' }]);
    }
    const failed = await job(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'internal_error' } });
    expect(failed.error!.message).not.toContain('/secret');
  });

  test('fails a job at once on an error no retry can fix, and acknowledges the message', async () => {
    const id = await queueJob({ input: 'in/people.json', columns: ['age'] });
    const res = await makeWorker(() => deps)(sqsEvent(sqsRecord(message(id))), lambdaContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(await job(id)).toMatchObject({ status: 'failed', attempts: 1, error: { code: 'unknown_column' } });
  });

  test('acknowledges a redelivered message of a finished or cancelled job without computing again', async () => {
    const id = await queueJob({ input: 'in/sales.csv', columns: ['amount'] });
    await makeWorker(() => deps)(sqsEvent(sqsRecord(message(id))), lambdaContext());
    let calls = 0;
    const counting: Compute = async (s, r) => {
      calls++;
      return runCompute(s, r);
    };
    const res = await makeWorker(() => deps, counting)(sqsEvent(sqsRecord(message(id), 2)), lambdaContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(calls).toBe(0);
    expect((await job(id)).attempts).toBe(1);
  });

  test('takes an output published by an interrupted attempt as the job’s success', async () => {
    const id = await queueJob({ input: 'in/sales.csv', columns: ['amount'] });
    const dies: Compute = async (s, r) => {
      await runCompute(s, r);
      throw new Error('killed after publishing');
    };
    await makeWorker(() => deps, dies)(sqsEvent(sqsRecord(message(id))), lambdaContext());
    const res = await makeWorker(() => deps)(sqsEvent(sqsRecord(message(id), 2)), lambdaContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(await job(id)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  test('leaves the job to a later duplicate attempt that published its output first, instead of failing it', async () => {
    const id = await queueJob({ input: 'in/sales.csv', columns: ['amount'] });
    let published!: () => void;
    const laterPublished = new Promise<void>((resolve) => (published = resolve));
    let release!: () => void;
    const laterMayReturn = new Promise<void>((resolve) => (release = resolve));
    // The first delivery computes only once the duplicate has published: the engine then refuses to overwrite.
    const slow: Compute = async (s, r) => {
      await laterPublished;
      return runCompute(s, r);
    };
    // The duplicate publishes, then is held before it records its success.
    const fast: Compute = async (s, r) => {
      const result = await runCompute(s, r);
      published();
      await laterMayReturn;
      return result;
    };
    const first = makeWorker(() => deps, slow)(sqsEvent(sqsRecord(message(id), 1)), lambdaContext());
    while ((await job(id)).attempts < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const later = makeWorker(() => deps, fast)(sqsEvent(sqsRecord(message(id), 2)), lambdaContext());
    expect((await first).batchItemFailures).toEqual([]);
    expect((await job(id)).status).toBe('running');
    release();
    expect((await later).batchItemFailures).toEqual([]);
    expect(await job(id)).toMatchObject({ status: 'succeeded', attempts: 2, rows_out: 1, error: null });
    expect(await readFile(path.join(root, 'results', `${id}.csv`), 'utf8')).toContain('amount,2,1,1.75');
  });

  test('fails a job whose stored request no longer passes the shared schema', async () => {
    const id = await queueJob({ input: 'in/sales.csv', columns: ['amount'] });
    await deps.store.update(id, (j) => {
      (j.request as { columns: unknown }).columns = [];
    });
    const res = await makeWorker(() => deps)(sqsEvent(sqsRecord(message(id))), lambdaContext());
    expect(res.batchItemFailures).toEqual([]);
    expect(await job(id)).toMatchObject({ status: 'failed', error: { code: 'invalid_request' } });
  });

  test('acknowledges a message whose job was discarded after its enqueue timed out', async () => {
    const res = await makeWorker(() => deps)(
      sqsEvent(sqsRecord(message('0000000001abcdefabcdef'), 1, 'gone')),
      lambdaContext(),
    );
    expect(res.batchItemFailures).toEqual([]);
  });

  test('leaves malformed messages to the dead-letter queue', async () => {
    const res = await makeWorker(() => deps)(sqsEvent(sqsRecord('{"nope":1}', 1, 'x')), lambdaContext());
    expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'x' }]);
    expect(queue.sent).toEqual([]);
  });

  describe('when the storage cannot record anything', () => {
    /** A job store on a storage that refuses every write while `full`. */
    class FullStore extends JobStore {
      full = false;
      override async update(id: string, change: (job: Job) => void | Promise<void>): Promise<Job> {
        if (this.full)
          throw new StorageError('storage failure while writing service state (ENOSPC)', 'ENOSPC');
        return super.update(id, change);
      }
    }
    let store: FullStore;
    let full: ServiceDeps;
    beforeEach(() => {
      store = new FullStore(deps.storage, deps.store.table, { retentionDays: 30 });
      full = { ...deps, store };
    });

    test('sends the message again with a delay on the last delivery instead of dead-lettering a job it cannot fail', async () => {
      const id = await queueJob({ input: 'in/sales.csv', columns: ['amount'] });
      store.full = true;
      const worker = makeWorker(() => full);
      for (const delivery of [1, 2]) {
        const res = await worker(sqsEvent(sqsRecord(message(id), delivery, 'r')), lambdaContext());
        expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'r' }]);
      }
      const last = await worker(sqsEvent(sqsRecord(message(id), 3, 'r')), lambdaContext());
      expect(last.batchItemFailures).toEqual([]);
      expect(queue.sent.filter((sent) => sent === id)).toHaveLength(2);
      expect(queue.delays.get(id)).toBe(deps.config.storageRetryDelaySeconds);
      expect((await job(id)).status).toBe('queued');

      // Space is back: the re-sent message, delivered for the first time, runs the job.
      store.full = false;
      const again = await worker(sqsEvent(sqsRecord(message(id), 1, 'r2')), lambdaContext());
      expect(again.batchItemFailures).toEqual([]);
      expect(await job(id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    });

    test('parks a job whose output write and failure record both hit the full storage', async () => {
      const id = await queueJob({ input: 'in/sales.csv', columns: ['amount'] });
      const enospc: Compute = async () => {
        store.full = true;
        throw new StorageError('storage failure while writing a file (ENOSPC)', 'ENOSPC');
      };
      const res = await makeWorker(() => full, enospc)(
        sqsEvent(sqsRecord(message(id), 3, 'r')),
        lambdaContext(),
      );
      expect(res.batchItemFailures).toEqual([]);
      expect(queue.delays.get(id)).toBe(deps.config.storageRetryDelaySeconds);
      expect((await job(id)).status).toBe('running');
    });

    test('dead-letters the message when the queue cannot take it back either', async () => {
      const id = await queueJob({ input: 'in/sales.csv', columns: ['amount'] });
      store.full = true;
      queue.down = true;
      const res = await makeWorker(() => full)(sqsEvent(sqsRecord(message(id), 3, 'r')), lambdaContext());
      expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'r' }]);
    });

    test('still fails the job with storage_error when only the output could not be written', async () => {
      const id = await queueJob({ input: 'in/sales.csv', columns: ['amount'] });
      const enospc: Compute = async () => {
        throw new StorageError('storage failure while writing a file (ENOSPC)', 'ENOSPC');
      };
      const res = await makeWorker(() => full, enospc)(
        sqsEvent(sqsRecord(message(id), 3, 'r')),
        lambdaContext(),
      );
      expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'r' }]);
      expect(await job(id)).toMatchObject({ status: 'failed', error: { code: 'storage_error' } });
      expect(queue.delays.has(id)).toBe(false);
    });
  });
});
