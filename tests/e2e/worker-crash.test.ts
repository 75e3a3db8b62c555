/**
 * End to end, on stacks of their own: a job that kills the worker's process
 * on every attempt (the local stack's injected crash, `WORKER_CRASH_INPUT`,
 * standing for an input that exhausts its memory) in one batch with another
 * user's ordinary jobs. The jobs are accepted while the worker is paused; the
 * stack is started again with one worker taking batches of ten, so the
 * recovery puts them on the queue and the worker gets them in one batch.
 *
 * Before: the crashing job stayed `running` for ever (attempts 3) once its
 * message was dead-lettered, its neighbours were killed with it, and the next
 * start queued it again to crash the worker three more times. Now: it ends
 * `failed` with `worker_crashed` after its three attempts, through the
 * dead-letter function; the other jobs succeed at their first attempt; a
 * restart leaves it alone.
 */
import { copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { call, makeToken, type Job } from './support/client.js';
import { outputProblems, submitMany, waitAllTerminal } from './support/job-batch.js';
import { spawnStack, type StackProcess } from './support/stack-process.js';
import { INPUT_DIR, prepareStorage, type StorageLayout } from './support/storage-layout.js';

const SECRET = 'worker-crash-suite-secret-0123456789';
const CRASH_INPUT = `${INPUT_DIR}/kills-the-worker.csv`;
let layout: StorageLayout;
let stack: StackProcess | undefined;

beforeAll(async () => {
  layout = await prepareStorage();
  await copyFile(path.join(layout.root, INPUT_DIR, 'sales.csv'), path.join(layout.root, CRASH_INPUT));
});

afterAll(async () => {
  await stack?.stop();
  await rm(layout.base, { recursive: true, force: true });
});

test('a job that kills the worker ends failed with worker_crashed after 3 attempts; its batch neighbours succeed once; a restart leaves it', async () => {
  const env = { SQS_PERSIST: '0', WORKER_VISIBILITY_TIMEOUT: '1', WORKER_CRASH_INPUT: CRASH_INPUT };
  stack = await spawnStack({
    root: layout.root,
    jwtSecret: SECRET,
    env: { ...env, MAX_WORKER_CONCURRENCY: '0' },
  });
  const mallory = await makeToken(SECRET, { sub: 'mallory' });
  const bob = await makeToken(SECRET, { sub: 'bob' });
  // First in the batch: the recovery queues jobs in submission order.
  const crashing = await call(stack.url, 'POST', '/compute/stats', {
    token: mallory,
    body: { input: CRASH_INPUT, columns: ['amount'] },
  });
  expect(crashing.status).toBe(202);
  const crashId = (crashing.body as Job).job_id;
  const ordinary = await submitMany({ url: stack.url, token: bob, indices: [0, 1, 2, 3, 4], clients: 1 });
  expect(ordinary.accepted).toHaveLength(5);
  await stack.stop();

  stack = await spawnStack({
    root: layout.root,
    jwtSecret: SECRET,
    env: { ...env, MAX_WORKER_CONCURRENCY: '1', WORKER_BATCH_SIZE: '10' },
  });
  expect(stack.output()).toMatch(/Recovered\s+6 unfinished job/);
  const bobs = await waitAllTerminal(stack.url, bob, 60_000);
  expect(await outputProblems(layout.root, ordinary.accepted, bobs)).toEqual([]);
  expect(ordinary.accepted.map((a) => bobs.get(a.id)?.attempts)).toEqual([1, 1, 1, 1, 1]);

  const ended = (await waitAllTerminal(stack.url, mallory, 60_000)).get(crashId);
  expect({ status: ended?.status, attempts: ended?.attempts, code: ended?.error?.code }).toEqual({
    status: 'failed',
    attempts: 3,
    code: 'worker_crashed',
  });
  expect(ended?.error?.message).not.toContain(layout.base);
  // The worker's runtime really died, once per attempt.
  expect(stack.output().match(/the runtime process exited \(SIGKILL\) during the invocation/g)).toHaveLength(
    3,
  );
  await stack.stop();

  stack = await spawnStack({ root: layout.root, jwtSecret: SECRET, env });
  expect(stack.output()).toMatch(/Recovered\s+0 unfinished job/);
  const after = await call(stack.url, 'GET', `/jobs/${crashId}`, { token: mallory });
  expect(after.body).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'worker_crashed' } });
  process.stdout.write(`worker-crash: ${crashId} ${JSON.stringify((after.body as Job).error)}\n`);
}, 240_000);
