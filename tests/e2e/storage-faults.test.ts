/**
 * End to end, on a stack of its own whose storage root is a small tmpfs (and
 * `ro/`, inside it, a read-only one): a storage that is full or read-only.
 * Jobs that cannot write their output fail with `storage_error` naming the
 * system cause; while the root takes no writes, `/health` answers 503
 * `degraded` and submissions 503 `storage_error`, never a 500 or a hang; once
 * it takes writes again, everything works as before. The queue is kept in
 * memory (`SQS_PERSIST=0`), as SQS in AWS does not live on the storage, and
 * so is the local DynamoDB (`DYNAMODB_PERSIST=0`).
 *
 * Needs the right to mount (root with CAP_SYS_ADMIN): skipped, saying why,
 * where mounting is impossible.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { call, expectError, makeToken, waitForJob, type ApiResponse, type Job } from './support/client.js';
import { REPO_ROOT, spawnStack, type StackProcess } from './support/stack-process.js';
import { fill, mountTmpfs, type TmpfsMount } from './support/tmpfs.js';

const SECRET = randomBytes(24).toString('hex');
const ROOT_SIZE = 8 * 1024 * 1024;
/** A CSV of about 1.2 MB; `non_null` on it writes about as much. */
const BIG_ROWS = 40_000;

let base: string;
let root: string;
const mounts: TmpfsMount[] = [];
let stack: StackProcess | undefined;
let skipReason: string | undefined;
let token: string;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'dataframe-jobs-storage-faults-'));
  root = path.join(base, 'hdfs');
  await mkdir(root);
  const rootMount = await mountTmpfs(root, ROOT_SIZE);
  if ('reason' in rootMount) {
    skipReason = `cannot mount a tmpfs (${rootMount.reason}); run as root with CAP_SYS_ADMIN`;
    process.stdout.write(`storage-faults: SKIPPED — ${skipReason}\n`);
    return;
  }
  mounts.push(rootMount);
  await mkdir(path.join(root, 'e2e'));
  await copyFile(path.join(REPO_ROOT, 'tests/fixtures/e2e/sales.csv'), path.join(root, 'e2e/sales.csv'));
  const lines = ['region,product,amount,qty'];
  for (let i = 0; i < BIG_ROWS; i++) lines.push(`region-${i % 7},product-${i % 13},${i}.25,${i % 100}`);
  await writeFile(path.join(root, 'e2e/big.csv'), lines.join('\n') + '\n');
  await mkdir(path.join(root, 'ro'));
  const roMount = await mountTmpfs(path.join(root, 'ro'), 256 * 1024);
  if ('reason' in roMount) throw new Error(`mounting the read-only folder failed: ${roMount.reason}`);
  mounts.push(roMount);
  await roMount.remount('ro');

  stack = await spawnStack({
    root,
    jwtSecret: SECRET,
    env: { SQS_PERSIST: '0', DYNAMODB_PERSIST: '0', WORKER_VISIBILITY_TIMEOUT: '1' },
  });
  token = await makeToken(SECRET, { sub: 'storage-victim' });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  // Innermost first; always, even when a test failed half-way with the root read-only.
  for (const mount of mounts.reverse()) await mount.unmount().catch(() => undefined);
  await rm(base, { recursive: true, force: true });
});

/** Registers a test that is skipped, with its reason printed, where tmpfs cannot be mounted. */
function faultTest(name: string, body: (s: StackProcess) => Promise<void>, timeout = 60_000): void {
  test(
    name,
    async () => {
      if (skipReason || !stack) {
        process.stdout.write(`skipped "${name}": ${skipReason ?? 'no stack'}\n`);
        return;
      }
      await body(stack);
    },
    timeout,
  );
}

async function health(s: StackProcess): Promise<ApiResponse> {
  return call(s.url, 'GET', '/health', { token });
}

async function submitStats(s: StackProcess, output?: string): Promise<ApiResponse> {
  return call(s.url, 'POST', '/compute/stats', {
    token,
    body: { input: 'e2e/sales.csv', columns: ['amount', 'qty'], ...(output && { output }) },
  });
}

/** Submits a job and waits for it to succeed: the service works normally. */
async function expectWorking(s: StackProcess): Promise<void> {
  const res = await health(s);
  expect({ status: res.status, body: res.body }).toEqual({
    status: 200,
    body: { status: 'ok', version: expect.any(String), checks: { storage: 'ok', queue: 'ok' } },
  });
  const submitted = await submitStats(s);
  expect(submitted.status).toBe(202);
  const job = await waitForJob(s.url, token, (submitted.body as Job).job_id);
  expect({ status: job.status, rows_in: job.rows_in }).toEqual({ status: 'succeeded', rows_in: 5 });
}

/** While the root takes no writes: health degraded, submissions refused cleanly and fast, reads still served. */
/** Expects an accepted job to end `failed` with `storage_error` after its 3 attempts, its message naming `cause`. */
async function expectStorageFailure(s: StackProcess, res: ApiResponse, cause: RegExp): Promise<Job> {
  expect(res.status).toBe(202);
  const job = await waitForJob(s.url, token, (res.body as Job).job_id, ['succeeded', 'failed'], 30_000);
  expect({ status: job.status, code: job.error?.code, attempts: job.attempts }).toEqual({
    status: 'failed',
    code: 'storage_error',
    attempts: 3,
  });
  expect(job.error?.message).toMatch(cause);
  return job;
}

async function expectDegraded(s: StackProcess, someJobId: string): Promise<void> {
  const res = await health(s);
  expect({ status: res.status, body: res.body }).toEqual({
    status: 503,
    body: { status: 'degraded', version: expect.any(String), checks: { storage: 'failing', queue: 'ok' } },
  });
  const started = Date.now();
  const refused = await submitStats(s);
  expect(Date.now() - started).toBeLessThan(5000);
  expectError(refused, 503, 'storage_error');
  const read = await call(s.url, 'GET', `/jobs/${someJobId}`, { token });
  expect(read.status).toBe(200);
}

faultTest(
  'fails a job whose output does not fit on the storage with storage_error naming ENOSPC, after its retries',
  async (s) => {
    const release = await fill(root, 400 * 1024);
    try {
      const res = await call(s.url, 'POST', '/compute/non_null', {
        token,
        body: { input: 'e2e/big.csv', columns: ['amount'], output: 'results/too-big.csv' },
      });
      const job = await expectStorageFailure(s, res, /ENOSPC/);
      expect(job.error?.message).not.toContain(base);
      // The partial output was removed: nothing is published, nothing hidden is left to fill the disk.
      expect(await readdir(path.join(root, 'results')).catch(() => [])).toEqual([]);
      // There was room for everything but that output: the service itself was never degraded.
      expect((await health(s)).status).toBe(200);
    } finally {
      await release();
    }
    await expectWorking(s);
  },
);

faultTest('fails a job whose output folder is read-only with storage_error naming EROFS', async (s) => {
  await expectStorageFailure(s, await submitStats(s, 'ro/stats.csv'), /EROFS/);
});

faultTest(
  'reports degraded and refuses submissions with 503 storage_error while the storage is full, then recovers',
  async (s) => {
    const before = await submitStats(s);
    expect(before.status).toBe(202);
    const known = (before.body as Job).job_id;
    await waitForJob(s.url, token, known);
    const release = await fill(root, 0);
    try {
      await expectDegraded(s, known);
    } finally {
      await release();
    }
    await expectWorking(s);
  },
);

faultTest(
  'reports degraded and refuses submissions with 503 storage_error while the storage is read-only, then recovers',
  async (s) => {
    const before = await submitStats(s);
    expect(before.status).toBe(202);
    const known = (before.body as Job).job_id;
    await waitForJob(s.url, token, known);
    const rootMount = mounts[0];
    if (!rootMount) throw new Error('no root mount');
    await rootMount.remount('ro');
    try {
      await expectDegraded(s, known);
    } finally {
      await rootMount.remount('rw');
    }
    await expectWorking(s);
  },
);
