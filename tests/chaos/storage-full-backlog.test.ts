/**
 * Chaos (`npm run chaos`): jobs already accepted when the storage fills up.
 * Five jobs are accepted while the worker is paused; the stack stops; the
 * storage (a small tmpfs) is filled completely; a stack with a worker starts
 * on it. The worker cannot even mark the jobs `running`, so every delivery
 * fails and SQS dead-letters the messages after three. Then space is freed.
 * The service is up again (`/health` ok), and every accepted job must still
 * end — succeeded, or failed with a reason — instead of staying `queued`
 * for ever with its message in the dead-letter queue.
 *
 * Needs the right to mount: skipped, saying why, where that is impossible.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { call, makeToken } from '../e2e/support/client.js';
import { deadLetters } from '../e2e/support/dead-letters.js';
import { listAllJobs, submitMany } from '../e2e/support/job-batch.js';
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

test('jobs accepted before the storage filled up still end once space is freed, instead of staying queued', async () => {
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
  const env = { SQS_PERSIST: '0', WORKER_VISIBILITY_TIMEOUT: '1' };
  stack = await spawnStack({ root, jwtSecret: SECRET, env: { ...env, MAX_WORKER_CONCURRENCY: '0' } });
  const token = await makeToken(SECRET, { sub: 'full-backlog', exp: '1h' });
  const { accepted } = await submitMany({ url: stack.url, token, indices: [0, 1, 2, 3, 4], clients: 1 });
  expect(accepted).toHaveLength(5);
  await stack.stop();

  const release = await fill(root, 0);
  try {
    stack = await spawnStack({ root, jwtSecret: SECRET, env });
    expect(stack.output()).toMatch(/Recovered\s+5 unfinished job/);
    // Every message is delivered three times, fails each time, and is dead-lettered.
    const letters = await deadLetters(stack.sqsEndpoint, (seen) => seen.size >= 5, 30_000);
    expect(letters.size).toBe(5);
  } finally {
    await release();
  }
  const s = stack;
  expect((await call(s.url, 'GET', '/health', { token })).status).toBe(200);

  // Space is back and the service healthy: the accepted jobs must not stay queued for ever.
  const deadline = Date.now() + 30_000;
  let open = accepted.length;
  while (Date.now() < deadline) {
    const jobs = await listAllJobs(s.url, token);
    open = jobs.filter((j) => j.status === 'queued' || j.status === 'running').length;
    if (open === 0) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  process.stdout.write(
    `storage-full-backlog: ${open} of ${accepted.length} accepted jobs still unfinished 30 s after space was freed\n`,
  );
  expect(open).toBe(0);
}, 240_000);
