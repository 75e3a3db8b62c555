/**
 * End to end, on a stack of its own: the SQS server stops answering. It runs
 * inside the start script's process (fauxqs, in-process), so SIGSTOP to that
 * one process — not to its group: serverless-offline, which runs the HTTP
 * functions, keeps running — gives a hung queue: connections are accepted by
 * the kernel and never answered. Submissions must get 503 `queue_unavailable`
 * within the queue client's ~2 s deadline (not a hang, not a 500), `/health`
 * must say `degraded` with the queue check failing, and after SIGCONT the
 * service must resume: jobs accepted before the outage complete, new ones
 * are accepted, and no refused submission leaves a job behind.
 *
 * The second case closes the SQS listener instead (`SQS_OUTAGE_SIGNAL`, see
 * lib/local/sqs-server.ts): connections are refused, and the answers come
 * at once.
 */
import { rm } from 'node:fs/promises';
import { call, expectError, makeToken, waitForJob, type Job } from './support/client.js';
import { outputProblems, plannedJob, submitMany, waitAllTerminal } from './support/job-batch.js';
import { spawnStack, type StackProcess } from './support/stack-process.js';
import { prepareStorage, type StorageLayout } from './support/storage-layout.js';

const SECRET = 'queue-outage-suite-secret-0123456789';
/** The queue client's deadline is 2 s; allow for the HTTP layer and a loaded machine. */
const PROMPT_MS = 4500;
const OUTAGE_SIGNAL = 'SIGUSR2';

let layout: StorageLayout;
let stack: StackProcess | undefined;
let frozen = false;

beforeAll(async () => {
  layout = await prepareStorage();
  stack = await spawnStack({
    root: layout.root,
    jwtSecret: SECRET,
    env: { WORKER_VISIBILITY_TIMEOUT: '2', SQS_OUTAGE_SIGNAL: OUTAGE_SIGNAL },
  });
}, 180_000);

afterAll(async () => {
  // A stopped process ignores SIGTERM until continued: thaw it before stopping the stack.
  if (frozen && stack) process.kill(stack.pid, 'SIGCONT');
  await stack?.stop();
  await rm(layout.base, { recursive: true, force: true });
});

/** Runs `action` and returns its result with how long it took. */
async function timed<T>(action: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await action();
  return { value, ms: Date.now() - started };
}

test('answers 503 queue_unavailable and a degraded health within seconds while the queue hangs, and resumes after', async () => {
  if (!stack) throw new Error('no stack');
  const s = stack;
  const token = await makeToken(SECRET, { sub: 'outage' });

  // Jobs accepted just before the outage: some may be queued or running when the queue stops.
  const before = await submitMany({ url: s.url, token, indices: [0, 1, 2, 3, 4, 5], clients: 6 });
  expect(before.accepted).toHaveLength(6);

  process.kill(s.pid, 'SIGSTOP');
  frozen = true;
  try {
    const submissions = await Promise.all(
      [6, 7, 8].map((i) =>
        timed(() =>
          call(s.url, 'POST', `/compute/${plannedJob(i).case.operation}`, {
            token,
            body: plannedJob(i).body,
          }),
        ),
      ),
    );
    for (const { value, ms } of submissions) {
      expectError(value, 503, 'queue_unavailable');
      expect(ms).toBeLessThan(PROMPT_MS);
    }
    process.stdout.write(`queue-outage: 503 answers in ${submissions.map((x) => x.ms).join(', ')} ms\n`);

    const health = await timed(() => call(s.url, 'GET', '/health', { token }));
    expect({ status: health.value.status, body: health.value.body }).toEqual({
      status: 503,
      body: { status: 'degraded', version: expect.any(String), checks: { storage: 'ok', queue: 'failing' } },
    });
    expect(health.ms).toBeLessThan(PROMPT_MS);

    // What does not need the queue still works.
    const read = await call(s.url, 'GET', `/jobs/${before.accepted[0]?.id}`, { token });
    expect(read.status).toBe(200);
  } finally {
    process.kill(s.pid, 'SIGCONT');
    frozen = false;
  }

  const resumed = await timed(async () => {
    for (;;) {
      const res = await call(s.url, 'GET', '/health', { token });
      if (res.status === 200) return res;
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  expect(resumed.value.body).toMatchObject({ status: 'ok', checks: { storage: 'ok', queue: 'ok' } });

  const after = await submitMany({ url: s.url, token, indices: [9, 10, 11], clients: 3 });
  expect(after.accepted).toHaveLength(3);
  const accepted = [...before.accepted, ...after.accepted];
  const jobs = await waitAllTerminal(s.url, token, 60_000);
  expect(await outputProblems(layout.root, accepted, jobs)).toEqual([]);
  // The three refused submissions left no job behind: only the accepted ones exist.
  expect([...jobs.keys()].sort()).toEqual(accepted.map((a) => a.id).sort());
  process.stdout.write(`queue-outage: healthy again ${resumed.ms} ms after SIGCONT\n`);
  // And one more, waited for: the worker consumes again.
  const last = await call(s.url, 'POST', '/compute/stats', {
    token,
    body: { input: 'e2e/sales.csv', columns: ['qty'] },
  });
  expect(last.status).toBe(202);
  expect((await waitForJob(s.url, token, (last.body as Job).job_id)).status).toBe('succeeded');
}, 120_000);

/** Waits until the stack has printed `line` `times` times in all. */
async function printed(s: StackProcess, line: string, times: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (s.output().split(line).length - 1 < times) {
    if (Date.now() > deadline) throw new Error(`the stack never printed ${JSON.stringify(line)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('answers 503 queue_unavailable at once while the queue refuses connections, and resumes when it listens again', async () => {
  if (!stack) throw new Error('no stack');
  const s = stack;
  const token = await makeToken(SECRET, { sub: 'refused' });
  const before = await submitMany({ url: s.url, token, indices: [20, 21, 22, 23], clients: 4 });
  expect(before.accepted).toHaveLength(4);

  process.kill(s.pid, OUTAGE_SIGNAL);
  try {
    await printed(s, 'SQS listener closed', 1);
    const submission = await timed(() =>
      call(s.url, 'POST', '/compute/stats', { token, body: { input: 'e2e/sales.csv', columns: ['qty'] } }),
    );
    expectError(submission.value, 503, 'queue_unavailable');
    // Refused connections need no deadline to pass.
    expect(submission.ms).toBeLessThan(2000);
    const health = await timed(() => call(s.url, 'GET', '/health', { token }));
    expect(health.value.status).toBe(503);
    expect(health.value.body).toMatchObject({
      status: 'degraded',
      checks: { storage: 'ok', queue: 'failing' },
    });
    expect(health.ms).toBeLessThan(2000);
    process.stdout.write(`queue-outage (refused): 503 in ${submission.ms} ms, health in ${health.ms} ms\n`);
  } finally {
    process.kill(s.pid, OUTAGE_SIGNAL);
  }
  await printed(s, 'SQS listener open', 1);
  const healthy = await call(s.url, 'GET', '/health', { token });
  expect(healthy.body).toMatchObject({ status: 'ok', checks: { storage: 'ok', queue: 'ok' } });

  const after = await submitMany({ url: s.url, token, indices: [24, 25], clients: 2 });
  expect(after.accepted).toHaveLength(2);
  const accepted = [...before.accepted, ...after.accepted];
  const jobs = await waitAllTerminal(s.url, token, 60_000);
  expect(await outputProblems(layout.root, accepted, jobs)).toEqual([]);
  expect([...jobs.keys()].sort()).toEqual(accepted.map((a) => a.id).sort());
}, 120_000);
