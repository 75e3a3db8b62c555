/**
 * System errors of file operations, sorted into the storage's fault
 * (`storage_error`), a name the file system refuses (`invalid_path`), or
 * anything else (left as it is: unexpected, so retried).
 *
 * @module
 */
import { InvalidPathError, StorageError } from '../errors.js';

const STORAGE_FAILURES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EMFILE', 'ENFILE']);

/**
 * Wraps system errors that are the storage's fault into `StorageError`;
 * names too long for the file system into `InvalidPathError`; returns others as they are.
 *
 * @param err - what a file system call threw
 * @param action - what was being done, for the message (no host path)
 */
export function toStorageError(err: unknown, action: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code && STORAGE_FAILURES.has(code)) {
    return new StorageError(`storage failure while ${action} (${code})`, code);
  }
  if (code === 'ENAMETOOLONG') return new InvalidPathError(undefined, 'a name is too long for the storage');
  return err;
}
