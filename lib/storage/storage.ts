/**
 * The storage: a folder that stands for the distributed file system. Every
 * path a client gives is relative to its root and is checked here, once,
 * before any file is touched.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, type Stats } from 'node:fs';
import { link, mkdir, open, readdir, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { InputNotFoundError, InvalidPathError, OutputExistsError, StorageError } from '../errors.js';
import type { ByteSink } from '../types.js';
import { BufferedFileSink } from './file-sink.js';
import { normalizePath, type NormalizeOptions } from './paths.js';

export type { NormalizeOptions } from './paths.js';

/** Result of an atomic write. */
export interface WriteResult {
  /** Bytes written. */
  readonly bytes: number;
}

const STORAGE_FAILURES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO', 'EMFILE', 'ENFILE']);

/** Wraps system errors that are the storage's fault into `StorageError`; rethrows others. */
export function toStorageError(err: unknown, action: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code && STORAGE_FAILURES.has(code)) {
    return new StorageError(`storage failure while ${action} (${code})`, code);
  }
  return err;
}

/**
 * A storage rooted at a folder. Paths are POSIX-style and relative to the
 * root; absolute paths, `..` that leaves the root, NUL bytes, backslashes and
 * symlinks resolving outside the root are refused with `InvalidPathError`.
 *
 * @example
 * ```ts
 * const storage = Storage.fromEnv();
 * const file = await storage.resolveExisting('uploads/sales.csv');
 * await storage.writeAtomic('results/out.csv', async (sink) => sink.write('a,b\n'));
 * ```
 */
export class Storage {
  /** Absolute path of the root as given (may contain symlinks). */
  readonly root: string;
  #realRoot: Promise<string> | undefined;

  /** @param root - folder of the storage; created on first write if missing */
  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** The storage at `HDFS_ROOT`, or `local-hdfs/` under the working directory. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): Storage {
    return new Storage(env.HDFS_ROOT && env.HDFS_ROOT.length > 0 ? env.HDFS_ROOT : 'local-hdfs');
  }

  /**
   * Checks a client path and returns its normal form (`a/b.csv`).
   *
   * @param rel - path relative to the root, `/`-separated
   * @throws `InvalidPathError` when it is empty, absolute, contains NUL,
   *   backslashes or control characters, or leaves the root
   */
  normalize(rel: string, options: NormalizeOptions = {}): string {
    return normalizePath(rel, options);
  }

  /** Absolute host path of a normalized relative path (no symlink check). */
  #abs(normal: string): string {
    return path.join(this.root, ...normal.split('/'));
  }

  async #rootReal(): Promise<string> {
    this.#realRoot ??= (async () => {
      await mkdir(this.root, { recursive: true });
      return realpath(this.root);
    })();
    try {
      return await this.#realRoot;
    } catch (err) {
      this.#realRoot = undefined;
      throw toStorageError(err, 'opening the storage root');
    }
  }

  async #assertInside(realTarget: string, rel: string): Promise<void> {
    const root = await this.#rootReal();
    if (realTarget !== root && !realTarget.startsWith(root + path.sep)) {
      throw new InvalidPathError(rel, 'resolves outside the storage root');
    }
  }

  /**
   * Resolves an existing file for reading, following symlinks only while
   * they stay inside the root.
   *
   * @returns the absolute host path of the file
   * @throws `InvalidPathError` for an unsafe path or a folder
   * @throws `InputNotFoundError` when nothing is there
   */
  async resolveExisting(rel: string, options: NormalizeOptions = {}): Promise<string> {
    const normal = this.normalize(rel, options);
    let real: string;
    try {
      real = await realpath(this.#abs(normal));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        // A dangling symlink whose target is outside must still read as unsafe, not as missing.
        await this.#assertNoEscapingAncestor(normal, rel);
        throw new InputNotFoundError(rel);
      }
      throw toStorageError(err, 'resolving a path');
    }
    await this.#assertInside(real, rel);
    let info: Stats;
    try {
      info = await stat(real);
    } catch (err) {
      throw toStorageError(err, 'reading file metadata');
    }
    if (!info.isFile()) throw new InvalidPathError(rel, 'is not a regular file');
    return real;
  }

  /** True when a file exists at `rel` (the path must be safe). */
  async exists(rel: string, options: NormalizeOptions = {}): Promise<boolean> {
    try {
      await this.resolveExisting(rel, options);
      return true;
    } catch (err) {
      if (err instanceof InputNotFoundError) return false;
      throw err;
    }
  }

  /** Walks up from `normal` to the deepest existing ancestor and checks it resolves inside the root. */
  async #assertNoEscapingAncestor(normal: string, rel: string): Promise<void> {
    let current = path.posix.dirname(normal);
    for (;;) {
      const abs = current === '.' ? this.root : this.#abs(current);
      try {
        await this.#assertInside(await realpath(abs), rel);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      }
      if (current === '.') return;
      current = path.posix.dirname(current);
    }
  }

  /**
   * Creates the parent folders of `normal` and returns the real path of the
   * parent, refusing any symlinked ancestor that leads outside the root.
   */
  async #prepareParent(normal: string, rel: string): Promise<string> {
    await this.#assertNoEscapingAncestor(normal, rel);
    const parent = path.dirname(this.#abs(normal));
    try {
      await mkdir(parent, { recursive: true });
      const real = await realpath(parent);
      await this.#assertInside(real, rel);
      return real;
    } catch (err) {
      throw toStorageError(err, 'creating the output folder');
    }
  }

  /**
   * Writes a file atomically: the bytes go to a temporary file in the same
   * folder, are flushed to disk, then the file is published under its final
   * name with a hard link, which fails if the name is taken. A reader never
   * sees a partial file and an existing file is never replaced.
   *
   * @param rel - destination path relative to the root
   * @param produce - writes the content into the sink it is given
   * @throws `OutputExistsError` when `rel` already exists (checked before and at publication)
   * @throws `InvalidPathError` for an unsafe destination
   * @throws `StorageError` when the disk is full, read-only or denies access
   */
  async writeAtomic(
    rel: string,
    produce: (sink: ByteSink) => Promise<void>,
    options: NormalizeOptions & { overwrite?: boolean } = {},
  ): Promise<WriteResult> {
    let bytes = 0;
    await this.#publish(rel, options, async (tmpPath) => {
      const handle = await open(
        tmpPath,
        fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL,
        0o644,
      );
      try {
        const sink = new BufferedFileSink(handle);
        await produce(sink);
        await sink.flush();
        bytes = sink.bytesWritten;
      } finally {
        await handle.close();
      }
    });
    return { bytes };
  }

  /**
   * Like {@link Storage.writeAtomic}, for a writer that writes a file by its
   * path (the engine's `COPY … TO`): `produce` gets the absolute path of the
   * temporary file (inside the root, in the destination's folder) and must
   * create it; it is then flushed and published the same way.
   *
   * @throws as {@link Storage.writeAtomic}
   */
  async writeAtomicFile(rel: string, produce: (tmpPath: string) => Promise<void>): Promise<WriteResult> {
    return this.#publish(rel, {}, produce);
  }

  async #publish(
    rel: string,
    options: NormalizeOptions & { overwrite?: boolean },
    produce: (tmpPath: string) => Promise<void>,
  ): Promise<WriteResult> {
    const normal = this.normalize(rel, { ...options, output: true });
    if (!options.overwrite && (await this.exists(normal, { internal: true })))
      throw new OutputExistsError(rel);
    const parent = await this.#prepareParent(normal, rel);
    const finalPath = path.join(parent, path.posix.basename(normal));
    const tmpPath = path.join(
      parent,
      `.${path.posix.basename(normal)}.${randomBytes(6).toString('hex')}.tmp`,
    );
    let published = false;
    try {
      await produce(tmpPath);
      const handle = await open(tmpPath, 'r');
      let size: number;
      try {
        await handle.sync();
        size = (await handle.stat()).size;
      } finally {
        await handle.close();
      }
      if (options.overwrite) {
        await rename(tmpPath, finalPath);
      } else {
        await link(tmpPath, finalPath);
        await unlink(tmpPath);
      }
      published = true;
      return { bytes: size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new OutputExistsError(rel);
      throw toStorageError(err, 'writing a file');
    } finally {
      if (!published) await unlink(tmpPath).catch(() => undefined);
    }
  }

  /** The root's real path (symlinks resolved), created if missing. */
  async realRoot(): Promise<string> {
    return this.#rootReal();
  }

  /**
   * Reads a whole (small) file as UTF-8 text. For service state such as job
   * documents; data files are streamed by the readers instead.
   *
   * @throws `InputNotFoundError` when it does not exist
   */
  async readText(rel: string, options: NormalizeOptions = {}): Promise<string> {
    const real = await this.resolveExisting(rel, options);
    try {
      return await readFile(real, 'utf8');
    } catch (err) {
      throw toStorageError(err, 'reading a file');
    }
  }

  /**
   * Removes the temporary files an interrupted {@link Storage.writeAtomic} of
   * `rel` left in its folder (a process killed between creating and
   * publishing). Only names of the form `.<name>.<hex>.tmp` are touched.
   *
   * @returns how many were removed
   * @throws `InvalidPathError` for an unsafe path
   */
  async removeTemporaries(rel: string, options: NormalizeOptions = {}): Promise<number> {
    const normal = this.normalize(rel, options);
    const folder = path.dirname(this.#abs(normal));
    const prefix = `.${path.posix.basename(normal)}.`;
    let names: string[];
    try {
      await this.#assertInside(await realpath(folder), rel);
      names = await readdir(folder);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return 0;
      throw toStorageError(err, 'listing a folder');
    }
    const leftovers = names.filter(
      (n) => n.startsWith(prefix) && /^[0-9a-f]{12}\.tmp$/.test(n.slice(prefix.length)),
    );
    for (const name of leftovers) {
      await unlink(path.join(folder, name)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw toStorageError(err, 'removing a temporary file');
      });
    }
    return leftovers.length;
  }

  /** Removes a file if present (service state only: outputs are never deleted by the service). */
  async remove(rel: string, options: NormalizeOptions = {}): Promise<void> {
    const normal = this.normalize(rel, options);
    await unlink(this.#abs(normal)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw toStorageError(err, 'removing a file');
    });
  }

  /**
   * Checks that the storage accepts writes, by creating and removing a probe
   * file under `.health/`.
   *
   * @throws `StorageError` when it does not
   */
  async checkWritable(): Promise<void> {
    const probe = `.health/probe-${process.pid}-${randomBytes(4).toString('hex')}`;
    await this.writeAtomic(probe, async (sink) => sink.write('ok'), { internal: true });
    await this.remove(probe, { internal: true });
  }
}
