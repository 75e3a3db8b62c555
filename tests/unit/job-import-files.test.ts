/**
 * The one-time import of the `.jobs/` folder an older version left (jobs as
 * files): a fixture tree in that format, imported, then served by the table.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { importJobFiles } from '../../lib/jobs/import-files.js';
import { newJobId, type Job } from '../../lib/jobs/job.js';
import { recoverJobs } from '../../lib/jobs/recover.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { testService, type MemoryQueue } from './factories/service.js';

let deps: ServiceDeps;
let queue: MemoryQueue;
let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ deps, queue, root, cleanup } = await testService());
});
afterEach(() => cleanup());

const hash = (text: string, length = 64): string =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

function oldJob(status: Job['status'], submittedAt: number): Job {
  const id = newJobId(submittedAt);
  return {
    job_id: id,
    status,
    operation: 'stats',
    input: 'in/sales.csv',
    output: `results/${id}.csv`,
    output_format: 'csv',
    submitted_by: 'alice',
    submitted_at: new Date(submittedAt).toISOString(),
    started_at: status === 'queued' ? null : new Date(submittedAt + 10).toISOString(),
    finished_at: status === 'succeeded' ? new Date(submittedAt + 20).toISOString() : null,
    duration_ms: status === 'succeeded' ? 10 : null,
    rows_in: null,
    rows_out: null,
    attempts: status === 'queued' ? 0 : 1,
    error: null,
    request: {
      operation: 'stats',
      input: 'in/sales.csv',
      columns: ['amount'],
      output: `results/${id}.csv`,
      output_format: 'csv',
      format: 'csv',
    } as Job['request'],
  };
}

/** Writes `.jobs/` as the file store wrote it: documents, index and active entries, locks, keys. */
async function writeOldTree(jobs: Job[], keys: { key: string; job: Job; at: number }[]): Promise<void> {
  const folder = path.join(root, '.jobs');
  const user = hash('alice', 32);
  for (const sub of ['idem', `users/${user}`, `active/${user}`, 'locks'])
    await mkdir(path.join(folder, sub), { recursive: true });
  for (const job of jobs) {
    await writeFile(path.join(folder, `${job.job_id}.json`), JSON.stringify(job));
    await writeFile(path.join(folder, 'users', user, job.job_id), '');
    if (job.status === 'queued') await writeFile(path.join(folder, 'active', user, job.job_id), '');
  }
  await writeFile(path.join(folder, `${newJobId()}.json`), '{"job_id": "trunc');
  await writeFile(path.join(folder, 'locks', jobs[0]!.job_id), 'a lock a crash left');
  for (const { key, job, at } of keys) {
    await writeFile(
      path.join(folder, 'idem', `${hash(`alice\u0000${key}`)}.json`),
      JSON.stringify({ job_id: job.job_id, at, fingerprint: 'f'.repeat(64), answer: { status: 202 } }),
    );
  }
}

test('imports the jobs and live idempotency keys of an old .jobs folder once, then renames the folder', async () => {
  const now = Date.now();
  const queued = oldJob('queued', now - 60_000);
  const done = oldJob('succeeded', now - 120_000);
  await writeOldTree(
    [queued, done],
    [
      { key: 'fresh', job: queued, at: now - 3600_000 },
      { key: 'stale', job: done, at: now - 25 * 3600_000 },
    ],
  );

  const imported = await importJobFiles(root, deps.store.table, 30);
  expect(imported).toMatchObject({ jobs: 2, keys: 1, skipped: 1 });
  expect(path.basename(imported!.renamedTo)).toMatch(/^\.jobs\.imported-\d{8}T\d{6}Z$/);
  // Nothing vanished: the old tree is all there under its new name.
  expect((await readdir(imported!.renamedTo)).sort()).toEqual(
    expect.arrayContaining(['idem', 'locks', `${queued.job_id}.json`, `${done.job_id}.json`]),
  );
  expect(await importJobFiles(root, deps.store.table, 30)).toBeUndefined();

  expect(await deps.store.get(done.job_id)).toEqual(done);
  const listed = await deps.store.list('alice', { limit: 10 });
  expect(listed.jobs.map((j) => j.job_id)).toEqual([queued.job_id, done.job_id]);
  expect(await deps.store.findByIdempotencyKey('alice', 'fresh')).toMatchObject({
    job: { job_id: queued.job_id },
    fingerprint: 'f'.repeat(64),
    answer: { status: 202 },
  });
  expect(await deps.store.findByIdempotencyKey('alice', 'stale')).toBeUndefined();

  // The recovery at start then queues the unfinished job and counts it.
  expect(await recoverJobs(deps.store, queue, 3)).toEqual({ requeued: 1, failed: 0 });
  expect(queue.sent).toEqual([queued.job_id]);
  expect(await deps.store.activeCount('alice')).toBe(1);
});

test('leaves a job the table already has as it is when an interrupted import runs again', async () => {
  const job = oldJob('queued', Date.now() - 1000);
  await deps.store.create({ ...job, status: 'cancelled' });
  await writeOldTree([job], []);
  expect(await importJobFiles(root, deps.store.table, 30)).toMatchObject({ jobs: 0, skipped: 1 });
  expect((await deps.store.get(job.job_id)).status).toBe('cancelled');
});
