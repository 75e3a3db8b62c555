import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileLocks } from '../../lib/storage/file-lock.js';
import { StateFiles } from '../../lib/storage/state-files.js';
import { deadProcessLock } from './factories/dead-process.js';

let root: string;
let locks: FileLocks;
const LOCK = '.jobs/locks/job1';
const lockFile = () => path.join(root, LOCK);

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'locks-'));
  locks = new FileLocks(new StateFiles(root), { staleMs: 30_000 });
  await mkdir(path.dirname(lockFile()), { recursive: true });
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** Runs `n` holders of the lock at once and returns the most that were ever inside together. */
async function crowd(n: number): Promise<number> {
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      const release = await locks.acquire(LOCK);
      inside++;
      most = Math.max(most, inside);
      await new Promise((r) => setImmediate(r));
      inside--;
      await release();
    }),
  );
  return most;
}

describe('a file lock', () => {
  test('lets one holder in at a time among many, and leaves no file behind', async () => {
    for (let round = 0; round < 3; round++) expect(await crowd(25)).toBe(1);
    expect(await readdir(path.dirname(lockFile()))).toEqual([]);
  });

  test('is broken at once when its holder was a process of this machine that died, one waiter at a time', async () => {
    for (let round = 0; round < 10; round++) {
      await writeFile(lockFile(), await deadProcessLock());
      const started = Date.now();
      expect(await crowd(5)).toBe(1);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    expect(await readdir(path.dirname(lockFile()))).toEqual([]);
  });

  test('is broken once older than the staleness delay when its holder cannot be identified', async () => {
    for (let round = 0; round < 5; round++) {
      await writeFile(lockFile(), 'held on another machine 42');
      const minuteAgo = new Date(Date.now() - 60_000);
      await utimes(lockFile(), minuteAgo, minuteAgo);
      expect(await crowd(5)).toBe(1);
    }
  });

  test('is waited for while fresh and held by someone alive, then taken when released', async () => {
    await writeFile(lockFile(), 'held on another machine 42');
    let taken = false;
    const waiting = locks.acquire(LOCK).then((release) => {
      taken = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(taken).toBe(false);
    await rm(lockFile());
    await (
      await waiting
    )();
    expect(taken).toBe(true);
  });

  test('ignores a breaker file left by a crash once it is stale', async () => {
    await writeFile(lockFile(), await deadProcessLock());
    await writeFile(`${lockFile()}.break`, await deadProcessLock());
    const release = await locks.acquire(LOCK);
    await release();
    expect(await readdir(path.dirname(lockFile()))).toEqual([]);
  });
});
