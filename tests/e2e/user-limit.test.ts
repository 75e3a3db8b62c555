/**
 * End to end, on a stack of its own with the worker paused (jobs stay
 * queued) and the default per-user limit (MAX_QUEUED_JOBS_PER_USER, 100):
 * one user flooding the API from 16 clients at once gets exactly 100 jobs
 * accepted and 429 with Retry-After for the rest; another user is still
 * accepted at once, and a job of the flooder that ends frees its slot.
 */
import { rm } from 'node:fs/promises';
import { call, expectError, makeToken, type ApiResponse, type Job } from './support/client.js';
import { spawnStack, type StackProcess } from './support/stack-process.js';
import { prepareStorage, type StorageLayout } from './support/storage-layout.js';

const SECRET = 'user-limit-suite-secret-0123456789ab';
const DEFAULT_LIMIT = 100;
let layout: StorageLayout;
let stack: StackProcess | undefined;

beforeAll(async () => {
  layout = await prepareStorage();
  stack = await spawnStack({
    root: layout.root,
    jwtSecret: SECRET,
    env: { MAX_WORKER_CONCURRENCY: '0' },
  });
});

afterAll(async () => {
  await stack?.stop();
  await rm(layout.base, { recursive: true, force: true });
});

const STATS = { input: 'e2e/sales.csv', columns: ['amount'] };

/** `count` submissions by the token's user from `clients` concurrent clients. */
async function flood(url: string, token: string, count: number, clients: number): Promise<ApiResponse[]> {
  const answers: ApiResponse[] = [];
  let next = 0;
  const client = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      answers.push(await call(url, 'POST', '/compute/stats', { token, body: STATS }));
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return answers;
}

test('one user sending 150 jobs from 16 clients gets exactly 100 accepted; another user is still served', async () => {
  const url = stack?.url ?? '';
  const bob = await makeToken(SECRET, { sub: 'bob' });
  const alice = await makeToken(SECRET, { sub: 'alice' });

  const answers = await flood(url, bob, 150, 16);
  const accepted = answers.filter((a) => a.status === 202);
  const refused = answers.filter((a) => a.status !== 202);
  expect({ accepted: accepted.length, refused: refused.length }).toEqual({
    accepted: DEFAULT_LIMIT,
    refused: 50,
  });
  for (const res of refused) {
    expectError(res, 429, 'too_many_requests');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((res.body as { error: { details: { limit: number } } }).error.details.limit).toBe(DEFAULT_LIMIT);
  }

  const served = await call(url, 'POST', '/compute/stats', { token: alice, body: STATS });
  expect(served.status).toBe(202);
  expectError(
    await call(url, 'POST', '/compute/stats', { token: bob, body: STATS }),
    429,
    'too_many_requests',
  );

  // A job that ends (here cancelled) frees its slot at once.
  const first = (accepted[0]?.body as Job).job_id;
  expect((await call(url, 'DELETE', `/jobs/${first}`, { token: bob })).status).toBe(200);
  expect((await call(url, 'POST', '/compute/stats', { token: bob, body: STATS })).status).toBe(202);
  expectError(
    await call(url, 'POST', '/compute/stats', { token: bob, body: STATS }),
    429,
    'too_many_requests',
  );
  process.stdout.write(
    `user-limit: bob ${accepted.length} accepted, ${refused.length} refused with 429; alice ${served.status}\n`,
  );
}, 120_000);
