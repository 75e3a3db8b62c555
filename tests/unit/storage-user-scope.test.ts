/**
 * STORAGE_SCOPE=user: each user's paths are relative to users/<encoded sub>/,
 * and nothing a user sends (`..`, symlinks, odd subjects) reaches another's.
 */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputNotFoundError, InvalidPathError } from '../../lib/errors.js';
import { JobStore } from '../../lib/jobs/job-store.js';
import { recoverJobs } from '../../lib/jobs/recover.js';
import { runJobMessage } from '../../lib/service/run-job.js';
import { submitJob } from '../../lib/service/submit.js';
import type { ServiceDeps } from '../../lib/service/deps.js';
import { Storage } from '../../lib/storage/storage.js';
import { userFolderName } from '../../lib/storage/user-scope.js';
import { testService, type MemoryQueue } from './factories/service.js';

describe('the folder name of a user', () => {
  test.each([
    ['alice', 'alice'],
    ['alice@example.com', 'alice@example.com'],
    ['a/b', 'a%2Fb'],
    ['..', '%2E.'],
    ['.hidden', '%2Ehidden'],
    ['a%2Fb', 'a%252Fb'],
    ['ünï', '%C3%BCn%C3%AF'],
    ['', '%'],
  ])('of %j is %j', (sub, folder) => {
    expect(userFolderName(sub)).toBe(folder);
  });

  test('is one path segment, never a dot name, and tells subjects apart', () => {
    const subs = [
      'a',
      'A',
      'a/b',
      'a%2Fb',
      'a b',
      'a\0b',
      '.',
      '..',
      '...',
      '%',
      '%h',
      'x'.repeat(300),
      'x'.repeat(301),
    ];
    const folders = subs.map(userFolderName);
    expect(new Set(folders).size).toBe(subs.length);
    for (const f of folders) {
      expect(f).not.toMatch(/[/\0]|^\./);
      expect(Buffer.byteLength(f)).toBeLessThanOrEqual(255);
    }
    expect(userFolderName('x'.repeat(300))).toMatch(/^%h[0-9a-f]{64}$/);
  });
});

describe('a user-scoped storage', () => {
  let root: string;
  let storage: Storage;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'user-scope-'));
    await mkdir(path.join(root, 'users', 'alice', 'in'), { recursive: true });
    await mkdir(path.join(root, 'users', 'bob', 'in'), { recursive: true });
    await writeFile(path.join(root, 'users', 'alice', 'in', 'sales.csv'), 'a\nalice\n');
    await writeFile(path.join(root, 'shared.csv'), 'a\nshared\n');
    storage = new Storage(root, { scope: 'user' });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  test('reads and writes under the user’s folder', async () => {
    expect(await storage.forUser('alice').readText('in/sales.csv')).toBe('a\nalice\n');
    await storage.forUser('carol').writeAtomic('results/out.csv', (sink) => sink.write('c'));
    expect(await readFile(path.join(root, 'users', 'carol', 'results', 'out.csv'), 'utf8')).toBe('c');
  });

  test('never reaches another user’s files nor the shared root', async () => {
    const bob = storage.forUser('bob');
    await expect(bob.openInput('in/sales.csv')).rejects.toBeInstanceOf(InputNotFoundError);
    await expect(bob.openInput('../alice/in/sales.csv')).rejects.toThrow(/leaves the storage root/);
    await expect(bob.openInput('../../shared.csv')).rejects.toBeInstanceOf(InvalidPathError);
    await symlink('../../alice/in/sales.csv', path.join(root, 'users', 'bob', 'in', 'rel.csv'));
    await symlink(path.join(root, 'users', 'alice', 'in'), path.join(root, 'users', 'bob', 'abs'));
    await expect(bob.openInput('in/rel.csv')).rejects.toThrow(/outside the storage root/);
    await expect(bob.openInput('abs/sales.csv')).rejects.toThrow(/outside the storage root/);
    await expect(bob.writeAtomic('abs/new.csv', (s) => s.write('x'))).rejects.toThrow(
      /outside the storage root/,
    );
    // A user nobody has seen yet has nothing to read.
    await expect(storage.forUser('dave').openInput('in/sales.csv')).rejects.toBeInstanceOf(
      InputNotFoundError,
    );
  });

  test('a user whose folder is a symlink is not followed', async () => {
    await symlink(path.join(root, 'users', 'alice'), path.join(root, 'users', 'mallory'));
    await expect(storage.forUser('mallory').openInput('in/sales.csv')).rejects.toThrow();
  });

  test('with the shared scope, forUser is the storage itself', () => {
    const shared = new Storage(root);
    expect(shared.forUser('alice')).toBe(shared);
  });
});

describe('the service with STORAGE_SCOPE=user', () => {
  let deps: ServiceDeps;
  let queue: MemoryQueue;
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ deps, queue, root, cleanup } = await testService());
    const storage = new Storage(root, { scope: 'user' });
    deps = { ...deps, storage, store: new JobStore(storage, deps.store.table, { retentionDays: 30 }) };
    await mkdir(path.join(root, 'users', 'alice', 'in'), { recursive: true });
    await writeFile(path.join(root, 'users', 'alice', 'in', 'sales.csv'), 'region,amount\nnord,1\nsud,2\n');
  });
  afterEach(() => cleanup());

  test('submits, runs and records paths relative to the user’s folder', async () => {
    const { job } = await submitJob(deps, { sub: 'alice' }, 'stats', {
      input: 'in/sales.csv',
      columns: ['amount'],
    });
    expect(job.input).toBe('in/sales.csv');
    expect(job.output).toBe(`results/${job.job_id}.csv`);
    await runJobMessage(deps, JSON.stringify({ job_id: job.job_id }), 1);
    expect((await deps.store.get(job.job_id)).status).toBe('succeeded');
    const written = await readFile(path.join(root, 'users', 'alice', 'results', `${job.job_id}.csv`), 'utf8');
    expect(written).toMatch(/^column,count/);
    expect(queue.sent).toEqual([job.job_id]);
  });

  test('another user cannot read the first one’s input, even by its shared-root path', async () => {
    await expect(
      submitJob(deps, { sub: 'bob' }, 'stats', { input: 'in/sales.csv', columns: ['amount'] }),
    ).rejects.toMatchObject({ code: 'input_not_found' });
    await expect(
      submitJob(deps, { sub: 'bob' }, 'stats', { input: 'users/alice/in/sales.csv', columns: ['amount'] }),
    ).rejects.toMatchObject({ code: 'input_not_found' });
  });

  test('recovery removes the temporaries of a user’s job in that user’s folder', async () => {
    const { job } = await submitJob(deps, { sub: 'alice' }, 'stats', {
      input: 'in/sales.csv',
      columns: ['amount'],
    });
    const folder = path.join(root, 'users', 'alice', 'results');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, `.${job.job_id}.csv.0123456789ab.tmp`), 'partial');
    await recoverJobs(deps.store, queue, 3);
    await expect(readFile(path.join(folder, `.${job.job_id}.csv.0123456789ab.tmp`))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
