/**
 * End to end, on a stack of its own with STORAGE_SCOPE=user: alice and bob
 * each see only their own folder (`users/<sub>/`). Alice's job reads and
 * writes under hers and reports her relative paths; bob can neither read
 * her file, nor learn her columns, nor write into her folder, by any path
 * or symlink he can make.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { call, expectError, makeToken, waitForJob, type Job } from './support/client.js';
import { REPO_ROOT, spawnStack, type StackProcess } from './support/stack-process.js';

const SECRET = 'user-scope-suite-secret-0123456789ab';
let base: string;
let root: string;
let stack: StackProcess | undefined;

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'dataframe-jobs-user-scope-'));
  root = path.join(base, 'hdfs');
  for (const user of ['alice', 'bob']) await mkdir(path.join(root, 'users', user, 'in'), { recursive: true });
  await copyFile(
    path.join(REPO_ROOT, 'tests/fixtures/e2e/sales.csv'),
    path.join(root, 'users/alice/in/sales.csv'),
  );
  // bob's own attempts at her folder: a relative symlink and an absolute one.
  await symlink('../../alice/in/sales.csv', path.join(root, 'users/bob/in/peek.csv'));
  await symlink(path.join(root, 'users/alice/in'), path.join(root, 'users/bob/alice-in'));
  stack = await spawnStack({ root, jwtSecret: SECRET, env: { STORAGE_SCOPE: 'user' } });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await rm(base, { recursive: true, force: true });
});

test('each user works in their own folder and reaches nothing of another’s', async () => {
  const url = stack?.url ?? '';
  const alice = await makeToken(SECRET, { sub: 'alice' });
  const bob = await makeToken(SECRET, { sub: 'bob' });

  const submitted = await call(url, 'POST', '/compute/non_null', {
    token: alice,
    body: { input: 'in/sales.csv', columns: ['region'], output: 'reports/q3.csv' },
  });
  expect(submitted.status).toBe(202);
  const job = await waitForJob(url, alice, (submitted.body as Job).job_id);
  expect(job).toMatchObject({ status: 'succeeded', input: 'in/sales.csv', output: 'reports/q3.csv' });
  const copy = await readFile(path.join(root, 'users/alice/reports/q3.csv'), 'utf8');
  expect(copy.split('\n')[0]).toContain('region');

  const columns = ['region'];
  for (const input of ['in/sales.csv', 'users/alice/in/sales.csv', 'alice/in/sales.csv']) {
    expectError(
      await call(url, 'POST', '/compute/stats', { token: bob, body: { input, columns } }),
      404,
      'input_not_found',
    );
  }
  for (const input of ['../alice/in/sales.csv', 'in/peek.csv', 'alice-in/sales.csv']) {
    const refused = await call(url, 'POST', '/compute/stats', {
      token: bob,
      body: { input, columns: ['nope'] },
    });
    expectError(refused, 400, 'invalid_path');
    // Not even her column names leak through the refusal.
    expect(JSON.stringify(refused.body)).not.toContain('region');
  }
  await copyFile(
    path.join(REPO_ROOT, 'tests/fixtures/e2e/sales.csv'),
    path.join(root, 'users/bob/in/mine.csv'),
  );
  for (const output of ['../alice/report-q3.csv', 'alice-in/report-q3.csv']) {
    const res = await call(url, 'POST', '/compute/non_null', {
      token: bob,
      body: { input: 'in/mine.csv', columns: ['region'], output },
    });
    expectError(res, 400, 'invalid_path');
  }
  // bob's own job lands in his folder, under the same relative name as alice's.
  const his = await call(url, 'POST', '/compute/non_null', {
    token: bob,
    body: { input: 'in/mine.csv', columns: ['region'], output: 'reports/q3.csv' },
  });
  expect(his.status).toBe(202);
  expect(await waitForJob(url, bob, (his.body as Job).job_id)).toMatchObject({ status: 'succeeded' });
  expect(await readdir(path.join(root, 'users/alice/reports'))).toEqual(['q3.csv']);
  expect(await readdir(path.join(root, 'users/bob/reports'))).toEqual(['q3.csv']);
  expect((await readdir(path.join(root, 'users/alice/in'))).sort()).toEqual(['sales.csv']);
}, 90_000);
