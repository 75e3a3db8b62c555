/**
 * The one mapping from system errors to the storage's stable code: every
 * failure that is the storage's fault (full, read-only, permission denied,
 * I/O, out of descriptors) becomes `storage_error` naming its cause; anything
 * else passes through untouched. The end-to-end storage fault tests show
 * ENOSPC and EROFS for real (tests/e2e/storage-faults.test.ts); EACCES cannot
 * be produced for real on a machine whose tests run as root, so it is here.
 */
import { StorageError } from '../../lib/errors.js';
import { toStorageError } from '../../lib/storage/storage.js';

const sysError = (code: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: something, '/host/path/secret'`), { code });

test.each(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EMFILE', 'ENFILE'])(
  '%s becomes storage_error naming the cause, without the host path',
  (code) => {
    const mapped = toStorageError(sysError(code), 'writing a file');
    expect(mapped).toBeInstanceOf(StorageError);
    const err = mapped as StorageError;
    expect({ code: err.code, details: err.details }).toEqual({
      code: 'storage_error',
      details: { cause: code },
    });
    expect(err.message).toBe(`storage failure while writing a file (${code})`);
  },
);

test.each(['ENOENT', 'EEXIST', 'ENOTDIR', 'EISDIR'])(
  '%s is not the storage’s fault and passes through',
  (code) => {
    const original = sysError(code);
    expect(toStorageError(original, 'writing a file')).toBe(original);
  },
);
