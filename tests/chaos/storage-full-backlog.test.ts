/**
 * Chaos (`npm run chaos`): jobs already accepted when the storage fills up.
 * Five jobs are accepted while the worker is paused; the stack stops; the
 * storage (a small tmpfs), which locally also holds the job table
 * (`.dynamodb/`), is filled completely. A start must then refuse, naming the
 * full disk, and touch nothing; once space is freed, a start must recover
 * the five and run each to `succeeded` with its exact output, none
 * dead-lettered. (When the job table cannot be written while the stack runs,
 * the worker sends the message again after `STORAGE_RETRY_DELAY_SECONDS`
 * instead of letting it reach the dead-letter queue: `service-worker.test.ts`.)
 *
 * Needs the right to mount: skipped, saying why, where that is impossible.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { call, makeToken } from '../e2e/support/client.js';
import { outputProblems, submitMany, waitAllTerminal } from '../e2e/support/job-batch.js';
import { REPO_ROOT, spawnStack, type StackProcess } from '../e2e/support/stack-process.js';
import { fill, mountTmpfs, type TmpfsMount } from '../e2e/support/tmpfs.js';

const SECRET = randomBytes(24).toString('hex');
let base: string;
let mount: TmpfsMount | undefined;
let stack: StackProcess | undefined;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'dataframe-jobs-full-backlog-'));
  await mkdir(path.join(base, 'hdfs'));
});

afterAll(async () => {
  await stack?.stop();
  await mount?.unmount().catch(() => undefined);
  await rm(base, { recursive: true, force: true });
});

test('jobs accepted before the storage filled up are kept while a start refuses the full disk, and succeed once space is freed', async () => {
  const root = path.join(base, 'hdfs');
  const mounted = await mountTmpfs(root, 4 * 1024 * 1024);
  if ('reason' in mounted) {
    process.stdout.write(`storage-full-backlog: SKIPPED — cannot mount a tmpfs (${mounted.reason})\n`);
    return;
  }
  mount = mounted;
  await mkdir(path.join(root, 'e2e'));
  for (const format of ['csv', 'ndjson', 'json', 'xml', 'parquet', 'tsv'])
    await copyFile(
      path.join(REPO_ROOT, `tests/fixtures/e2e/sales.${format}`),
      path.join(root, `e2e/sales.${format}`),
    );
  // The queue in memory, as SQS is not on the storage in AWS (the recovery re-queues the jobs from the table).
  const env = { SQS_PERSIST: '0', WORKER_VISIBILITY_TIMEOUT: '1' };
  stack = await spawnStack({ root, jwtSecret: SECRET, env: { ...env, MAX_WORKER_CONCURRENCY: '0' } });
  const token = await makeToken(SECRET, { sub: 'full-backlog', exp: '1h' });
  const { accepted } = await submitMany({ url: stack.url, token, indices: [0, 1, 2, 3, 4], clients: 1 });
  expect(accepted).toHaveLength(5);
  await stack.stop();

  const release = await fill(root, 0);
  try {
    // LevelDB writes a new log at every open: on a full disk the job table cannot open, so nothing starts.
    const refused = await spawnStack({ root, jwtSecret: SECRET, env }).then(
      (started) => started,
      (err: unknown) => err as Error,
    );
    if (!(refused instanceof Error)) {
      stack = refused;
      throw new Error('the stack started on a full storage');
    }
    expect(refused.message).toMatch(/DynamoDB data folder .* cannot be opened: .*No space left on device/);
  } finally {
    await release();
  }
  stack = await spawnStack({ root, jwtSecret: SECRET, env });
  const s = stack;
  expect(s.output()).toMatch(/Recovered\s+5 unfinished job/);
  expect((await call(s.url, 'GET', '/health', { token })).status).toBe(200);

  // Space is back and the service healthy: the accepted jobs must not stay queued for ever.
  const freed = Date.now();
  const jobs = await waitAllTerminal(s.url, token, 30_000);
  process.stdout.write(
    `storage-full-backlog: all ${accepted.length} ended ${Date.now() - freed} ms after space was freed\n`,
  );
  expect(await outputProblems(root, accepted, jobs)).toEqual([]);
  // The dead-letter function logs every message it receives: none came.
  expect(s.output()).not.toContain('dead-lettered');
}, 240_000);
