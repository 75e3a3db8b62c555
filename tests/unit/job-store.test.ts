/**
 * The DynamoDB job store at its interface, on the real local server (an
 * in-memory dynalite per file): the behaviours the file store's lock and
 * index tests pinned, now held by conditional writes.
 */
import { jest } from '@jest/globals';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConflictError, InvalidRequestError, NotFoundError, StorageError } from '../../lib/errors.js';
import { JobStore } from '../../lib/jobs/job-store.js';
import { jobKey } from '../../lib/jobs/job-items.js';
import { newJobId, transition, type Job } from '../../lib/jobs/job.js';
import { Storage } from '../../lib/storage/storage.js';
import { testJobTable } from './factories/job-table.js';

let store: JobStore;
let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'dynamo-store-'));
  store = new JobStore(new Storage(root), await testJobTable(), { retentionDays: 30 });
});
afterEach(() => rm(root, { recursive: true, force: true }));

function newJob(sub = 'alice', at = Date.now()): Job {
  const id = newJobId(at);
  return {
    job_id: id,
    status: 'queued',
    operation: 'stats',
    input: 'in/sales.csv',
    output: `results/${id}.csv`,
    output_format: 'csv',
    submitted_by: sub,
    submitted_at: new Date(at).toISOString(),
    started_at: null,
    finished_at: null,
    duration_ms: null,
    rows_in: null,
    rows_out: null,
    attempts: 0,
    progress: null,
    error: null,
    request: { operation: 'stats', input: 'in/sales.csv', columns: ['amount'] } as unknown as Job['request'],
  };
}

async function created(sub = 'alice', at = Date.now()): Promise<Job> {
  const job = newJob(sub, at);
  await store.create(job);
  return job;
}

describe('updates', () => {
  test('loses none of 25 concurrent updates of one job: each write is conditional on the version it read', async () => {
    const job = await created();
    await Promise.all(
      Array.from({ length: 25 }, () =>
        store.update(job.job_id, (current) => {
          current.attempts += 1;
        }),
      ),
    );
    expect((await store.get(job.job_id)).attempts).toBe(25);
  });

  test('never lets a concurrent cancel and start both win: the job ends cancelled either way', async () => {
    for (let round = 0; round < 10; round++) {
      const job = await created();
      const [cancelled, started] = await Promise.allSettled([
        store.update(job.job_id, (current) => transition(current, 'cancelled')),
        store.update(job.job_id, (current) => transition(current, 'running')),
      ]);
      expect(cancelled.status).toBe('fulfilled');
      if (started.status === 'rejected') expect(started.reason).toBeInstanceOf(ConflictError);
      expect((await store.get(job.job_id)).status).toBe('cancelled');
    }
  });

  test('writes nothing for a change that changes nothing, and refuses a forbidden transition unchanged', async () => {
    const job = await created();
    await store.update(job.job_id, (current) => transition(current, 'cancelled'));
    await expect(store.update(job.job_id, (current) => transition(current, 'running'))).rejects.toThrow(
      ConflictError,
    );
    expect((await store.update(job.job_id, () => undefined)).status).toBe('cancelled');
  });

  test('answers a missing job and a malformed id with NotFoundError', async () => {
    await expect(store.get(newJobId())).rejects.toThrow(NotFoundError);
    await expect(store.get('../../etc/passwd')).rejects.toThrow(NotFoundError);
    await expect(store.update(newJobId(), () => undefined)).rejects.toThrow(NotFoundError);
  });

  test('reports a damaged item as StorageError, never as the job', async () => {
    const job = await created();
    const { client, name } = store.table;
    const { Item } = await client.send(new GetCommand({ TableName: name, Key: jobKey(job.job_id) }));
    await client.send(new PutCommand({ TableName: name, Item: { ...Item, version: undefined } }));
    await expect(store.get(job.job_id)).rejects.toThrow(StorageError);
    expect((await store.list('alice', { limit: 10 })).jobs).toEqual([]);
  });
});

describe('per-user counts', () => {
  test('reserve exactly the limit under 30 concurrent reservations of one user, and no one else’s', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, () => store.reserveSlot('bob', 5)));
    expect(answers.filter(Boolean)).toHaveLength(5);
    expect(await store.activeCount('bob')).toBe(5);
    expect(await store.reserveSlot('carol', 5)).toBe(true);
  });

  test('give a slot back at the terminal transition only, once, and never go below zero', async () => {
    expect(await store.reserveSlot('alice', 1)).toBe(true);
    const job = await created();
    await store.update(job.job_id, (current) => transition(current, 'running'));
    expect(await store.activeCount('alice')).toBe(1);
    await store.update(job.job_id, (current) => transition(current, 'succeeded'));
    expect(await store.activeCount('alice')).toBe(0);
    await store.releaseSlot('alice');
    expect(await store.activeCount('alice')).toBe(0);
  });

  test('are set right after a crash between a job’s write and its counter’s (recovery at start)', async () => {
    // A submission killed after its reservation, before its job: one too high.
    await store.reserveSlot('alice', 10);
    const open = await created();
    await store.reserveSlot('alice', 10);
    // A job imported without any counter: bob has none.
    await created('bob');
    const unfinished = await store.unfinished();
    expect(unfinished.map((j) => j.job_id).sort()).toHaveLength(2);
    expect(await store.repairCounts(unfinished)).toBe(2);
    expect(await store.activeCount('alice')).toBe(1);
    expect(await store.activeCount('bob')).toBe(1);
    await store.update(open.job_id, (current) => transition(current, 'cancelled'));
    expect(await store.activeCount('alice')).toBe(0);
  });
});

describe('a count a crash left too high, in the cloud (no recovery at start)', () => {
  let now: number;
  let clocked: JobStore;
  beforeEach(async () => {
    now = Date.parse('2026-12-03T12:00:00Z');
    clocked = new JobStore(new Storage(root), store.table, { retentionDays: 30, now: () => now });
  });

  test('is lowered to the jobs that exist once it has not changed for a minute, when it stops a submission', async () => {
    // Two reservations; the second's function died before writing its job.
    expect(await clocked.reserveSlot('dora', 2)).toBe(true);
    await created('dora');
    expect(await clocked.reserveSlot('dora', 2)).toBe(true);
    // Within the minute, the missing job may still be on its way: the limit holds.
    now += 30_000;
    expect(await clocked.reserveSlot('dora', 2)).toBe(false);
    expect(await clocked.activeCount('dora')).toBe(2);
    now += 31_000;
    expect(await clocked.reserveSlot('dora', 2)).toBe(true);
    expect(await clocked.activeCount('dora')).toBe(2);
  });

  test('is left as it is when it is right: a user really at the limit stays there', async () => {
    for (let i = 0; i < 2; i++) {
      expect(await clocked.reserveSlot('erin', 2)).toBe(true);
      await created('erin');
    }
    now += 120_000;
    expect(await clocked.reserveSlot('erin', 2)).toBe(false);
    expect(await clocked.activeCount('erin')).toBe(2);
  });

  test('still counts exactly under 30 concurrent submissions at the limit', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, () => clocked.reserveSlot('fred', 5)));
    expect(answers.filter(Boolean)).toHaveLength(5);
    now += 120_000;
    // None of the five has its job yet, and they are settled: they were orphaned; one submission gets in.
    const later = await Promise.all(Array.from({ length: 10 }, () => clocked.reserveSlot('fred', 5)));
    expect(later.filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(await clocked.activeCount('fred')).toBeLessThanOrEqual(5);
  });
});

describe('listing and recovery', () => {
  test('walks a user’s jobs newest first with a status filter and opaque cursors, to an exact end', async () => {
    const t0 = Date.now() - 10_000;
    const jobs: Job[] = [];
    for (let i = 0; i < 5; i++) jobs.push(await created('alice', t0 + i * 100));
    await created('mallory');
    for (const job of [jobs[0]!, jobs[2]!, jobs[3]!])
      await store.update(job.job_id, (current) => transition(current, 'cancelled'));
    const all = await store.list('alice', { limit: 5 });
    expect(all.jobs.map((j) => j.job_id)).toEqual(jobs.map((j) => j.job_id).reverse());
    expect(all.next_cursor).toBeNull();

    const first = await store.list('alice', { status: 'cancelled', limit: 2 });
    expect(first.jobs.map((j) => j.job_id)).toEqual([jobs[3]!.job_id, jobs[2]!.job_id]);
    expect(first.next_cursor).not.toContain(jobs[2]!.job_id);
    const second = await store.list('alice', { status: 'cancelled', limit: 2, cursor: first.next_cursor! });
    expect(second.jobs.map((j) => j.job_id)).toEqual([jobs[0]!.job_id]);
    expect(second.next_cursor).toBeNull();
    await expect(store.list('alice', { limit: 2, cursor: 'garbage' })).rejects.toThrow(InvalidRequestError);
  });

  test('finds unfinished jobs through the sparse index: queued and running, never ended ones', async () => {
    const queued = await created();
    const running = await created();
    const ended = await created();
    await store.update(running.job_id, (current) => transition(current, 'running'));
    await store.update(ended.job_id, (current) => transition(current, 'failed'));
    expect((await store.unfinished()).map((j) => j.job_id).sort()).toEqual(
      [queued.job_id, running.job_id].sort(),
    );
  });

  test('treats a finished job past the retention as gone, though the table has not deleted it yet', async () => {
    const kept = await created();
    const old = await created();
    await store.update(old.job_id, (current) => {
      transition(current, 'cancelled');
      current.finished_at = new Date(Date.now() - 31 * 86_400_000).toISOString();
    });
    await expect(store.get(old.job_id)).rejects.toThrow(NotFoundError);
    expect((await store.list('alice', { limit: 10 })).jobs.map((j) => j.job_id)).toEqual([kept.job_id]);
    expect((await store.get(kept.job_id)).status).toBe('queued');
  });
});

describe('idempotency keys', () => {
  test('give one owner to 6 concurrent claims of one key, scoped per user', async () => {
    const jobs = await Promise.all(Array.from({ length: 6 }, () => created()));
    const owners = await Promise.all(
      jobs.map((j) => store.claimIdempotencyKey('alice', 'k', j.job_id, 'f1')),
    );
    expect(new Set(owners).size).toBe(1);
    const other = await created('bob');
    expect(await store.claimIdempotencyKey('bob', 'k', other.job_id, 'f1')).toBe(other.job_id);
    expect(await store.findByIdempotencyKey('alice', 'k')).toMatchObject({
      job: { job_id: owners[0] },
      fingerprint: 'f1',
    });
  });

  test('keep the first answer, expire after 24 hours, and are forgotten on release', async () => {
    const job = await created();
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now - 25 * 3600 * 1000);
    try {
      await store.claimIdempotencyKey('alice', 'old', job.job_id, 'f');
    } finally {
      clock.mockRestore();
    }
    expect(await store.findByIdempotencyKey('alice', 'old')).toBeUndefined();
    const next = await created();
    expect(await store.claimIdempotencyKey('alice', 'old', next.job_id, 'f')).toBe(next.job_id);
    await store.recordIdempotentAnswer('alice', 'old', next.job_id, {
      status: 200,
      preference_applied: 'wait=5',
    });
    await store.recordIdempotentAnswer('alice', 'old', job.job_id, { status: 202 });
    expect((await store.findByIdempotencyKey('alice', 'old'))?.answer).toEqual({
      status: 200,
      preference_applied: 'wait=5',
    });
    await store.releaseIdempotencyKey('alice', 'old');
    expect(await store.findByIdempotencyKey('alice', 'old')).toBeUndefined();
  });
});
