import { jest } from '@jest/globals';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { jobKey } from '../../lib/jobs/job-items.js';
import path from 'node:path';
import { makeHandlers as makeComputeHandlers } from '../../functions/compute.js';
import { makeHandlers } from '../../functions/jobs.js';
import { makeWorker } from '../../functions/worker.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { isJobId, JOB_STATUSES, newJobId, transition, type Job, type JobStatus } from '../../lib/jobs/job.js';
import { recoverJobs } from '../../lib/jobs/recover.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { preferredWait } from '../../lib/service/wait.js';
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

const STATS = { input: 'in/sales.csv', columns: ['amount'] };

async function submit(body: unknown, headers: Record<string, string> = {}) {
  const event = apiEvent('POST /compute/stats', {
    headers: { authorization: `Bearer ${await tokenFor()}`, ...headers },
    body,
  });
  const res = await makeComputeHandlers(() => deps, 0).stats(event, lambdaContext());
  return { status: res.statusCode!, headers: res.headers ?? {}, body: JSON.parse(res.body!) };
}

const runWorker = (id: string) =>
  makeWorker(() => deps)(sqsEvent(sqsRecord(JSON.stringify({ job_id: id }))), lambdaContext());

describe('job state machine', () => {
  const allowed: Record<JobStatus, JobStatus[]> = {
    queued: ['running', 'failed', 'cancelled'],
    running: ['running', 'succeeded', 'failed', 'cancelled'],
    succeeded: [],
    failed: [],
    cancelled: [],
  };
  const pairs = JOB_STATUSES.flatMap((from) => JOB_STATUSES.map((to) => [from, to] as const));

  test.each(pairs)('moves %s to %s only along the documented edges', (from, to) => {
    const job = { job_id: 'j', status: from } as Job;
    if (allowed[from].includes(to)) {
      transition(job, to);
      expect(job.status).toBe(to);
    } else {
      expect(() => transition(job, to)).toThrow(ConflictError);
      expect(job.status).toBe(from);
    }
  });

  test('makes ids that sort by submission time and are safe as file names', () => {
    const early = newJobId(1_700_000_000_000);
    const late = newJobId(1_700_000_000_001);
    expect(early < late).toBe(true);
    expect(isJobId(early)).toBe(true);
    expect(isJobId('../../etc/passwd')).toBe(false);
    expect(isJobId(`${early}/x`)).toBe(false);
  });
});

describe('job store', () => {
  test('loses none of 25 concurrent updates of one job: each write is conditional on the version it read', async () => {
    const { body } = await submit(STATS);
    await Promise.all(
      Array.from({ length: 25 }, () =>
        deps.store.update(body.job_id, (job) => {
          job.attempts += 1;
        }),
      ),
    );
    expect((await deps.store.get(body.job_id)).attempts).toBe(25);
  });

  test('a concurrent cancel and start never leave a cancelled job running', async () => {
    // Since a running job can be cancelled, a start that comes first is followed by the cancel; a start
    // that comes second is refused. Either way the cancel wins and the job ends cancelled.
    for (let round = 0; round < 5; round++) {
      const { body } = await submit(STATS);
      const [cancelled, started] = await Promise.allSettled([
        deps.store.update(body.job_id, (job) => transition(job, 'cancelled')),
        deps.store.update(body.job_id, (job) => transition(job, 'running')),
      ]);
      expect(cancelled.status).toBe('fulfilled');
      if (started.status === 'rejected') expect(started.reason).toBeInstanceOf(ConflictError);
      expect((await deps.store.get(body.job_id)).status).toBe('cancelled');
    }
  });

  test('treats a finished job past JOB_RETENTION_DAYS as gone, though the table has not deleted it yet', async () => {
    const kept = (await submit(STATS)).body.job_id;
    const old = (await submit(STATS)).body.job_id;
    await deps.store.update(old, (j) => {
      transition(j, 'cancelled');
      j.finished_at = new Date(Date.now() - 31 * 86_400_000).toISOString();
    });
    await expect(deps.store.get(old)).rejects.toThrow(NotFoundError);
    expect((await deps.store.list('alice', { limit: 10 })).jobs.map((j) => j.job_id)).toEqual([kept]);
    // Queued and running jobs never expire, however old.
    expect((await deps.store.get(kept)).status).toBe('queued');
  });

  test('puts every queued or running job back on the queue at startup, and no finished one', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await submit(STATS)).body.job_id);
    await deps.store.update(ids[1]!, (j) => transition(j, 'running'));
    await deps.store.update(ids[2]!, (j) => transition(j, 'cancelled'));
    await runWorker(ids[3]!);
    queue.sent.length = 0;
    expect(await recoverJobs(deps.store, queue, 3)).toEqual({ requeued: 2, failed: 0 });
    expect(queue.sent.sort()).toEqual([ids[0], ids[1]].sort());
  });
});

describe('job listing', () => {
  const list = async (query: Record<string, string>) => {
    const event = apiEvent('GET /jobs', { headers: { authorization: `Bearer ${await tokenFor()}` }, query });
    const res = await makeHandlers(() => deps, 0).listJobs(event, lambdaContext());
    return { status: res.statusCode!, body: JSON.parse(res.body!) };
  };

  test('gives opaque cursors that walk a status filter to its end', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit(STATS)).body.job_id);
    for (const id of [ids[0]!, ids[3]!]) await deps.store.update(id, (j) => transition(j, 'cancelled'));
    const first = await list({ status: 'cancelled', limit: '1' });
    expect(first.body.jobs.map((j: Job) => j.job_id)).toEqual([ids[3]]);
    expect(first.body.next_cursor).not.toContain(ids[3]);
    const second = await list({ status: 'cancelled', limit: '1', cursor: first.body.next_cursor });
    expect(second.body.jobs.map((j: Job) => j.job_id)).toEqual([ids[0]]);
    expect(second.body.next_cursor).toBeNull();
  });

  test.each([['garbage'], [ids36()], [Buffer.from('after:../x').toString('base64url')]])(
    'refuses the cursor %s with 400',
    async (cursor) => {
      const res = await list({ cursor });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    },
  );

  test('refuses unknown query parameters, listing the allowed ones', async () => {
    const res = await list({ sort: 'asc' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('allowed: status, limit, cursor');
  });
});

/** A raw job id: a valid id is not a valid cursor, cursors being opaque. */
function ids36(): string {
  return newJobId();
}

describe('idempotency keys', () => {
  test('give one job to concurrent submissions with the same key', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => submit(STATS, { 'idempotency-key': 'burst' })),
    );
    const ids = new Set(answers.map((a) => a.body.job_id));
    expect(ids.size).toBe(1);
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(202));
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    expect(queue.sent).toEqual([...ids]);
    const listed = await makeHandlers(() => deps, 0).listJobs(
      apiEvent('GET /jobs', { headers: { authorization: `Bearer ${await tokenFor()}` } }),
      lambdaContext(),
    );
    expect(JSON.parse(listed.body!).jobs).toHaveLength(1);
  });

  test('expire after 24 hours: the same key then queues a new job', async () => {
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now - 25 * 3600 * 1000);
    let first;
    try {
      first = await submit(STATS, { 'idempotency-key': 'daily' });
    } finally {
      clock.mockRestore();
    }
    const second = await submit(STATS, { 'idempotency-key': 'daily' });
    expect(second.status).toBe(202);
    expect(second.body.job_id).not.toBe(first.body.job_id);
  });

  test('are forgotten when the job could not be queued, so a retry queues it', async () => {
    queue.down = true;
    expect((await submit(STATS, { 'idempotency-key': 'retry-me' })).status).toBe(503);
    queue.down = false;
    const retry = await submit(STATS, { 'idempotency-key': 'retry-me' });
    expect(retry.status).toBe(202);
    expect(queue.sent).toEqual([retry.body.job_id]);
  });

  test('must be printable ASCII of at most 255 characters', async () => {
    const res = await submit(STATS, { 'idempotency-key': 'x'.repeat(256) });
    expect(res.status).toBe(400);
    expect(queue.sent).toEqual([]);
  });
});

describe('Prefer: wait', () => {
  test('with an Idempotency-Key: a replay answers 200 with Preference-Applied, as the first request was', async () => {
    const headers = { prefer: 'wait=5', 'idempotency-key': 'waited' };
    const enqueue = queue.enqueue.bind(queue);
    queue.enqueue = async (queued) => {
      await enqueue(queued);
      setTimeout(() => void runWorker(queued), 50);
    };
    const answered = await submit(STATS, headers);
    expect(answered.status).toBe(200);
    const id = answered.body.job_id as string;
    const again = await submit(STATS, headers);
    expect(again).toMatchObject({ status: 200, body: { job_id: id, status: 'succeeded' } });
    expect(again.headers).toMatchObject({
      location: `/jobs/${id}`,
      'preference-applied': 'wait=5',
      'idempotent-replayed': 'true',
    });
  });

  test('reads wait=N from the header, capped, and ignores other preferences', () => {
    expect(preferredWait(undefined)).toBe(0);
    expect(preferredWait('respond-async')).toBe(0);
    expect(preferredWait('respond-async, wait=5')).toBe(5);
    expect(preferredWait('wait=3600')).toBeLessThanOrEqual(30);
  });

  test('answers 200 with the finished job when it ends in time', async () => {
    // The worker picks the job up as soon as it is queued, as the local event source does.
    const enqueue = queue.enqueue.bind(queue);
    queue.enqueue = async (id) => {
      await enqueue(id);
      setTimeout(() => void runWorker(id), 50);
    };
    const res = await submit(STATS, { prefer: 'wait=5' });
    expect(res.status).toBe(200);
    expect(res.headers['preference-applied']).toBe('wait=5');
    expect(res.headers.location).toBe(`/jobs/${res.body.job_id}`);
    expect(res.body).toMatchObject({ status: 'succeeded', rows_in: 3, rows_out: 1, error: null });
  });

  test('answers 202 with the queued job when it does not end in time', async () => {
    const started = Date.now();
    const res = await submit(STATS, { prefer: 'wait=1' });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('queued');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});

describe('cancel', () => {
  const cancel = async (id: string) => {
    const event = apiEvent('DELETE /jobs/{id}', {
      headers: { authorization: `Bearer ${await tokenFor()}` },
      pathParameters: { id },
    });
    const res = await makeHandlers(() => deps, 0).cancelJob(event, lambdaContext());
    return { status: res.statusCode!, body: JSON.parse(res.body!) };
  };

  test('answers 409 for a finished job and leaves it as it was', async () => {
    const done = (await submit(STATS)).body.job_id;
    await runWorker(done);
    expect(await cancel(done)).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    expect((await deps.store.get(done)).status).toBe('succeeded');
  });

  test('cancels a running job: its query is interrupted, no output is left, the message is acknowledged', async () => {
    // A query long enough to be caught running: one group per row over 3,000,000 generated rows.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const writer = await (await DuckDBInstance.create(':memory:')).connect();
    await writer.run(
      `COPY (SELECT range AS id, md5(range::VARCHAR) AS k, range % 97 AS v FROM range(3000000))
       TO '${path.join(deps.storage.root, 'in', 'long.parquet')}'`,
    );
    writer.closeSync();
    const event = apiEvent('POST /compute/group_by', {
      headers: { authorization: `Bearer ${await tokenFor()}` },
      body: { input: 'in/long.parquet', columns: ['k'], aggregations: { v: ['median', 'nunique', 'std'] } },
    });
    const submitted = JSON.parse(
      (await makeComputeHandlers(() => deps, 0).group_by(event, lambdaContext())).body!,
    ) as Job;
    const started = Date.now();
    const worker = runWorker(submitted.job_id);
    while ((await deps.store.get(submitted.job_id)).status !== 'running')
      await new Promise((r) => setTimeout(r, 20));
    const answer = await cancel(submitted.job_id);
    expect(answer).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    const res = await worker;
    expect(res.batchItemFailures).toEqual([]);
    // The heartbeat sees the cancel within a second; the interrupt ends the statement at once.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await deps.store.get(submitted.job_id)).toMatchObject({ status: 'cancelled', error: null });
    expect(await deps.storage.exists(submitted.output)).toBe(false);
    const { readdir } = await import('node:fs/promises');
    const left = await readdir(path.join(deps.storage.root, 'results')).catch(() => []);
    expect(left.filter((n) => n.includes(submitted.job_id))).toEqual([]);
  }, 60_000);

  test('makes the worker skip the cancelled job', async () => {
    const id = (await submit(STATS)).body.job_id;
    expect((await cancel(id)).status).toBe(200);
    const res = await runWorker(id);
    expect(res.batchItemFailures).toEqual([]);
    expect(await deps.store.get(id)).toMatchObject({ status: 'cancelled', attempts: 0 });
    expect(await deps.storage.exists(`results/${id}.csv`)).toBe(false);
  });

  test('answers 404 to an id that is not a job id', async () => {
    expect((await cancel('..%2F..%2Fetc')).status).toBe(404);
  });
});

describe('a damaged job item', () => {
  test.each([
    ['without its version', (item: Record<string, unknown>) => ({ ...item, version: undefined })],
    ['without its status', (item: Record<string, unknown>) => ({ ...item, status: undefined })],
  ])('(%s) is answered 503 storage_error, not 500, and the listing skips it', async (_what, breakIt) => {
    const id = (await submit(STATS)).body.job_id as string;
    const { client, name } = deps.store.table;
    const { Item } = await client.send(new GetCommand({ TableName: name, Key: jobKey(id) }));
    await client.send(new PutCommand({ TableName: name, Item: breakIt(Item!) }));
    const event = apiEvent('GET /jobs/{id}', {
      headers: { authorization: `Bearer ${await tokenFor()}` },
      pathParameters: { id },
    });
    const res = await makeHandlers(() => deps, 0).getJob(event, lambdaContext());
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body!).error).toEqual({
      code: 'storage_error',
      message: `the stored state of job ${id} is unreadable (damaged)`,
    });
    const list = await makeHandlers(() => deps, 0).listJobs(
      apiEvent('GET /jobs', { headers: { authorization: `Bearer ${await tokenFor()}` } }),
      lambdaContext(),
    );
    expect(JSON.parse(list.body!).jobs).toEqual([]);
  });
});
