/**
 * The submissions' check that the storage can take an output: a read-only
 * or full root is refused with `storage_error` naming the system cause (a
 * real read-only and a real full tmpfs: `tests/e2e/storage-faults.test.ts`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertTakesWrites } from '../../lib/storage/write-check.js';

test('a writable root with room is accepted', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'write-check-'));
  try {
    await expect(assertTakesWrites(root)).resolves.toBeUndefined();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a file system with no space left is refused with storage_error naming ENOSPC', async () => {
  // sysfs is writable by root and reports no free block: full, as far as statfs tells.
  await expect(assertTakesWrites('/sys')).rejects.toMatchObject({
    code: 'storage_error',
    message: expect.stringMatching(/takes no writes/),
    details: { cause: 'ENOSPC' },
  });
});

test('a root that is gone is refused with storage_error naming ENOENT, not an unexpected error', async () => {
  await expect(assertTakesWrites(path.join(tmpdir(), 'no-such-root-' + process.pid))).rejects.toMatchObject({
    code: 'storage_error',
    details: { cause: 'ENOENT' },
  });
});
