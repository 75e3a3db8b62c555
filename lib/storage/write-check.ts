/**
 * Whether the storage can take a job's output, as a submission needs to
 * know: a job accepted while the storage is read-only or full could only fail
 * after its retries, so it is refused at once (503 `storage_error`) instead.
 *
 * Two system calls on the root, no write (a probe file per submission would
 * cost a write and a removal on the network file system): `access(W_OK)`,
 * which answers `EROFS` on a read-only mount, and `statfs`, for the space
 * left to this process's user. `/health` still writes a real probe.
 *
 * @module
 */
import { constants } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import { StorageError } from '../errors.js';

/** Below this much free space (a write buffer) the storage counts as full: /health's probe would barely fit. */
export const MIN_FREE_BYTES = 64 * 1024;

/**
 * Resolves when the storage root is writable and has at least {@link MIN_FREE_BYTES} free.
 *
 * @param root - the storage root (an absolute path)
 * @throws `StorageError` (`the storage takes no writes…`, `details.cause` the system code: `EROFS`, `EACCES`,
 *   `ENOENT`…, or `ENOSPC` when too little space is left)
 */
export async function assertTakesWrites(root: string): Promise<void> {
  let cause: string | undefined;
  try {
    await access(root, constants.W_OK);
    const fs = await statfs(root, { bigint: true });
    if (fs.bavail * fs.bsize < BigInt(MIN_FREE_BYTES)) cause = 'ENOSPC';
  } catch (err) {
    cause = (err as NodeJS.ErrnoException | null)?.code ?? 'EIO';
  }
  if (cause !== undefined) {
    throw new StorageError(
      'the storage takes no writes at the moment (read-only or full); retry later',
      cause,
    );
  }
}
