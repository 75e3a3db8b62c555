/**
 * Publishing an output inside a folder the walk opened: the temporary file
 * is created, written, flushed, published and removed by names looked up in
 * that folder's descriptor, so that a folder swapped for a symlink after
 * the check can neither receive the bytes nor keep a leftover.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import { link, lstat, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { InvalidPathError, OutputExistsError } from '../errors.js';
import { isTemporaryOf, TEMP_HEX_BYTES, temporaryName } from './paths.js';
import { toStorageError } from './system-errors.js';
import { descriptorPath } from './walk.js';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fsConstants;

/** The temporary file a producer writes. */
export interface TemporaryFile {
  /** Open for writing; the storage closes it. */
  readonly handle: FileHandle;
  /** `/proc/self/fd/N`: for a writer that opens a path (DuckDB's `COPY … TO`), the same file. */
  readonly path: string;
}

/** Result of an atomic write. */
export interface WriteResult {
  /** Bytes written. */
  readonly bytes: number;
}

const sameFile = (a: Stats, b: Stats): boolean => a.ino === b.ino && a.dev === b.dev;

/**
 * Writes `name` in `dir` atomically: a temporary file created exclusively
 * beside it receives the bytes, is flushed, then is published under `name`
 * by a hard link, which fails if the name is taken (or by a rename with
 * `overwrite`). The temporary file is removed in every case.
 *
 * @param dir - the destination folder, opened by the walk
 * @param name - the file name in it
 * @param shown - the path as the client sent it, for errors
 * @param produce - writes the content into the temporary file
 * @param overwrite - replace an existing file (service state only)
 * @returns the bytes published
 * @throws `OutputExistsError` when `name` is taken at publication
 * @throws `StorageError` when the disk is full, read-only or denies access
 */
export async function publishIn(
  dir: FileHandle,
  name: string,
  shown: string,
  produce: (tmp: TemporaryFile) => Promise<void>,
  overwrite = false,
): Promise<WriteResult> {
  const tmpName = temporaryName(name, randomBytes(TEMP_HEX_BYTES).toString('hex'));
  let handle: FileHandle;
  try {
    handle = await open(descriptorPath(dir, tmpName), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
  } catch (err) {
    throw toStorageError(err, 'creating a file');
  }
  let created = true;
  try {
    await produce({ handle, path: descriptorPath(handle) });
    await handle.sync();
    const written = await handle.stat();
    if (overwrite) {
      await rename(descriptorPath(dir, tmpName), descriptorPath(dir, name));
      created = false;
    } else {
      await link(descriptorPath(dir, tmpName), descriptorPath(dir, name));
      const published = await lstat(descriptorPath(dir, name));
      if (!sameFile(published, written)) {
        // The temporary name was swapped (for a symlink, say) between the write and the link:
        // what was published is not what was written, so it goes.
        await unlink(descriptorPath(dir, name)).catch(() => undefined);
        throw new InvalidPathError(shown, 'the output was replaced while it was written');
      }
    }
    return { bytes: written.size };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new OutputExistsError(shown);
    throw toStorageError(err, 'writing a file');
  } finally {
    await handle.close().catch(() => undefined);
    if (created) await unlink(descriptorPath(dir, tmpName)).catch(() => undefined);
  }
}

/**
 * Removes the temporary files of output `name` left in `dir` by a process
 * killed between creating and publishing (`.<name>.<hex>.tmp` only).
 *
 * @returns how many were removed
 * @throws the system error when the folder cannot be listed or a file removed
 */
export async function removeTemporariesIn(dir: FileHandle, name: string): Promise<number> {
  const leftovers = (await readdir(descriptorPath(dir))).filter((entry) => isTemporaryOf(entry, name));
  for (const entry of leftovers) {
    await unlink(descriptorPath(dir, entry)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  return leftovers.length;
}
