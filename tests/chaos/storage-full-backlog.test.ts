/**
 * Chaos (`npm run chaos`): jobs already accepted when the storage fills up.
 * Five jobs are accepted while the worker is paused; the stack stops; the
 * storage (a small tmpfs) is filled completely; a stack with a worker starts
 * on it. The worker cannot even mark the jobs `running`, so every delivery
 * fails, up to the last one SQS allows. None of them may be dead-lettered —
 * the storage's fault is not the jobs' — and once space is freed every
 * accepted job must end `succeeded`, instead of staying `queued` for ever.
 * (This test found that they did; the worker now re-sends such a message
 * after STORAGE_RETRY_DELAY_SECONDS, 3 s here.)
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

test('jobs accepted before the storage filled up are not dead-lettered, and succeed once space is freed', async () => {
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
  // The queue in memory, as SQS is not on the storage in AWS; visibility 1 s: retries come fast.
  const env = { SQS_PERSIST: '0', WORKER_VISIBILITY_TIMEOUT: '1', STORAGE_RETRY_DELAY_SECONDS: '3' };
  stack = await spawnStack({ root, jwtSecret: SECRET, env: { ...env, MAX_WORKER_CONCURRENCY: '0' } });
  const token = await makeToken(SECRET, { sub: 'full-backlog', exp: '1h' });
  const { accepted } = await submitMany({ url: stack.url, token, indices: [0, 1, 2, 3, 4], clients: 1 });
  expect(accepted).toHaveLength(5);
  await stack.stop();

  const release = await fill(root, 0);
  try {
    stack = await spawnStack({ root, jwtSecret: SECRET, env });
    expect(stack.output()).toMatch(/Recovered\s+5 unfinished job/);
    // Every message is delivered until its last allowed delivery (3 × 1 s visibility), failing each time.
    const s = stack;
    const gaveUp = (): number => s.output().split('storage cannot record the job').length - 1;
    const until = Date.now() + 30_000;
    while (gaveUp() < 5 && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    process.stdout.write(
      `storage-full-backlog: ${gaveUp()} last deliveries deferred while the storage was full\n`,
    );
    expect((await call(s.url, 'GET', '/health', { token })).status).toBe(503);
  } finally {
    await release();
  }
  const s = stack;
  expect((await call(s.url, 'GET', '/health', { token })).status).toBe(200);
  // The dead-letter function logs every message it receives: none came.
  expect(s.output()).not.toContain('dead-lettered');

  // Space is back and the service healthy: the accepted jobs must not stay queued for ever.
  const freed = Date.now();
  const jobs = await waitAllTerminal(s.url, token, 30_000);
  process.stdout.write(
    `storage-full-backlog: all ${accepted.length} ended ${Date.now() - freed} ms after space was freed\n`,
  );
  expect(await outputProblems(root, accepted, jobs)).toEqual([]);
}, 240_000);
