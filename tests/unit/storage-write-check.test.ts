/**
 * The submissions' check that the storage takes writes: one probe for a
 * burst of callers, its outcome reused for a while, then probed again.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StorageError } from '../../lib/errors.js';
import { Storage } from '../../lib/storage/storage.js';
import { WriteCheck } from '../../lib/storage/write-check.js';

test('a burst of callers shares one probe, and its outcome is reused until reuseMs has passed', async () => {
  let now = 0;
  let probes = 0;
  const check = new WriteCheck(
    async () => {
      probes++;
    },
    { reuseMs: 1000, now: () => now },
  );
  await Promise.all(Array.from({ length: 50 }, () => check.assertWritable()));
  expect(probes).toBe(1);
  now = 999;
  await check.assertWritable();
  expect(probes).toBe(1);
  now = 1000;
  await check.assertWritable();
  expect(probes).toBe(2);
});

test('a failing probe refuses with storage_error naming the system cause, and recovers once writes work', async () => {
  let now = 0;
  let failing = true;
  const check = new WriteCheck(
    async () => {
      if (failing) throw new StorageError('writing a file failed', 'ENOSPC');
    },
    { reuseMs: 1000, now: () => now },
  );
  const refusal = await check.assertWritable().catch((err: unknown) => err);
  expect(refusal).toBeInstanceOf(StorageError);
  expect(refusal).toMatchObject({
    code: 'storage_error',
    message: expect.stringMatching(/takes no writes/),
    details: { cause: 'ENOSPC' },
  });
  failing = false;
  await expect(check.assertWritable()).rejects.toThrow(/takes no writes/);
  now = 1500;
  await expect(check.assertWritable()).resolves.toBeUndefined();
});

test('over a real storage, a root that cannot take the probe is refused, and accepted again once it can', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'write-check-'));
  try {
    const storage = new Storage(root);
    // A file where the probe's folder should be: the probe's write fails (ENOTDIR) as it would on a full disk,
    // even for root, whom permission bits do not stop.
    await writeFile(path.join(root, '.health'), 'x');
    await expect(new WriteCheck(() => storage.checkWritable()).assertWritable()).rejects.toThrow(
      StorageError,
    );
    await rm(path.join(root, '.health'));
    await expect(new WriteCheck(() => storage.checkWritable()).assertWritable()).resolves.toBeUndefined();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
