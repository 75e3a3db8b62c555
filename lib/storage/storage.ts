/**
 * The storage: a folder that stands for the distributed file system. Every
 * path a client gives is relative to its root (or, with
 * `STORAGE_SCOPE=user`, to the user's folder under it), is checked here
 * once, and is then opened by descriptor, component by component
 * (`walk.ts`): a file is never opened again by a name that was checked
 * earlier, so swapping names while a job runs cannot lead it outside.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { mkdir, realpath, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { InputNotFoundError, InvalidPathError, OutputExistsError } from '../errors.js';
import type { ByteSink } from '../types.js';
import { BufferedFileSink } from './file-sink.js';
import { publishIn, removeTemporariesIn, type WriteResult } from './outputs.js';
import { normalizePath, type NormalizeOptions } from './paths.js';
import { toStorageError } from './system-errors.js';
import { userFolder, type StorageScope } from './user-scope.js';
import { descriptorPath, openBase, walk, type WalkEnd } from './walk.js';

export type { NormalizeOptions } from './paths.js';
export type { WriteResult } from './outputs.js';
export { toStorageError } from './system-errors.js';

/** Options of a {@link Storage}. */
export interface StorageOptions {
  /** Read inputs that have other hard links (`ALLOW_HARD_LINKS`); refused by default. */
  readonly allowHardLinks?: boolean;
  /** `user`: each user's paths are relative to `users/<sub>/` (`STORAGE_SCOPE`); default `shared`. */
  readonly scope?: StorageScope;
}

/**
 * An input opened for reading. Readers open {@link OpenedInput.path}, the
 * descriptor's own path, and so read the very file that was checked.
 */
export interface OpenedInput {
  /** `/proc/self/fd/N`: opening it reaches the checked file, whatever its name now holds. */
  readonly path: string;
  /** Size in bytes when it was opened. */
  readonly size: number;
  /** Closes the descriptor; {@link OpenedInput.path} is invalid afterwards. */
  close(): Promise<void>;
}

const isMissing = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

/**
 * A storage rooted at a folder. Paths are POSIX-style and relative to the
 * root; absolute paths, `..` that leaves the root, NUL bytes, backslashes,
 * overlong names and symlinks resolving outside the root are refused with
 * `InvalidPathError`.
 *
 * @example
 * ```ts
 * const storage = Storage.fromEnv().forUser('alice');
 * const input = await storage.openInput('uploads/sales.csv');
 * try { console.log(input.size); } finally { await input.close(); }
 * await storage.writeAtomic('results/out.csv', async (sink) => sink.write('a,b\n'));
 * ```
 */
export class Storage {
  /** Absolute path of the root as given (may contain symlinks). */
  readonly root: string;
  readonly #options: StorageOptions;
  /** Segments from the root to the folder paths are relative to (a user's folder), or none. */
  readonly #base: readonly string[];
  #realRoot: Promise<string> | undefined;

  /**
   * @param root - folder of the storage; created on first use if missing
   * @param options - hard links, scope
   * @param base - segments of the folder paths are relative to (see {@link Storage.forUser})
   */
  constructor(root: string, options: StorageOptions = {}, base: readonly string[] = []) {
    this.root = path.resolve(root);
    this.#options = options;
    this.#base = base;
  }

  /** The storage at `HDFS_ROOT` (or `local-hdfs/`), with `ALLOW_HARD_LINKS` and `STORAGE_SCOPE`. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): Storage {
    return new Storage(env.HDFS_ROOT && env.HDFS_ROOT.length > 0 ? env.HDFS_ROOT : 'local-hdfs', {
      allowHardLinks: env.ALLOW_HARD_LINKS === 'true',
      scope: env.STORAGE_SCOPE === 'user' ? 'user' : 'shared',
    });
  }

  /**
   * The storage as user `sub` sees it: with the `user` scope, paths are
   * relative to `users/<encoded sub>/` and symlinks may not leave it; with
   * the `shared` scope, this storage itself.
   */
  forUser(sub: string): Storage {
    if (this.#options.scope !== 'user') return this;
    return new Storage(this.root, this.#options, userFolder(sub));
  }

  /**
   * Checks a client path and returns its normal form (`a/b.csv`).
   *
   * @param rel - path relative to the root, `/`-separated
   * @param options - `internal` allows dot segments; `output` leaves room for the temporary suffix
   * @throws `InvalidPathError` when it is empty, absolute, contains NUL, backslashes or
   *   control characters, leaves the root, or is too long (see `paths.ts`)
   */
  normalize(rel: string, options: NormalizeOptions = {}): string {
    return normalizePath(rel, options);
  }

  /** The root's real path (symlinks resolved), created if missing. */
  async realRoot(): Promise<string> {
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

  /** Walks `normal` from the base, runs `use` on what it opened, then closes every folder. */
  async #walk<T>(
    normal: string,
    shown: string,
    target: 'file' | 'parent',
    create: boolean,
    use: (end: WalkEnd) => Promise<T>,
  ): Promise<T> {
    const base = await openBase(this.root, await this.realRoot(), this.#base, create);
    try {
      const end = await walk(base, normal.split('/'), { target, create, shown });
      try {
        return await use(end);
      } finally {
        if (end.dir !== base.handle) await end.dir.close().catch(() => undefined);
      }
    } finally {
      await base.handle.close().catch(() => undefined);
    }
  }

  /** Opens an existing regular file, refusing hard-linked ones unless allowed or `anyLinks`. */
  async #openFile(
    rel: string,
    options: NormalizeOptions,
    anyLinks = false,
  ): Promise<{ handle: FileHandle; info: Stats }> {
    const normal = this.normalize(rel, options);
    try {
      return await this.#walk(normal, rel, 'file', false, async ({ file }) => {
        const handle = file!;
        try {
          const info = await handle.stat();
          if (!info.isFile()) throw new InvalidPathError(rel, 'is not a regular file');
          if (info.nlink > 1 && !anyLinks && !this.#options.allowHardLinks) {
            // Another name of this file may lie outside the storage: no path check can see it.
            throw new InvalidPathError(rel, 'the file has other hard links; they are refused');
          }
          return { handle, info };
        } catch (err) {
          await handle.close();
          throw err;
        }
      });
    } catch (err) {
      if (isMissing(err)) throw new InputNotFoundError(rel);
      throw toStorageError(err, 'opening a file');
    }
  }

  /**
   * Opens an existing file for reading, following symlinks only while they
   * stay inside the root (or the user's folder). Readers must read
   * {@link OpenedInput.path}, never the file's name, and close it when done.
   *
   * @throws `InvalidPathError` for an unsafe path, a folder, or a file with other hard links
   *   (unless `ALLOW_HARD_LINKS`)
   * @throws `InputNotFoundError` when nothing is there
   * @throws `StorageError` when the storage fails
   */
  async openInput(rel: string, options: NormalizeOptions = {}): Promise<OpenedInput> {
    const { handle, info } = await this.#openFile(rel, options);
    return { path: descriptorPath(handle), size: info.size, close: () => handle.close() };
  }

  /** True when a file exists at `rel` (the path must be safe). */
  async exists(rel: string, options: NormalizeOptions = {}): Promise<boolean> {
    try {
      const { handle } = await this.#openFile(rel, options, true);
      await handle.close();
      return true;
    } catch (err) {
      if (err instanceof InputNotFoundError) return false;
      throw err;
    }
  }

  /**
   * Reads a whole (small) file as UTF-8 text. For service state and tests;
   * data files are read by the engine through {@link Storage.openInput}.
   *
   * @throws as {@link Storage.openInput}
   */
  async readText(rel: string, options: NormalizeOptions = {}): Promise<string> {
    const { handle } = await this.#openFile(rel, options);
    try {
      return await handle.readFile('utf8');
    } catch (err) {
      throw toStorageError(err, 'reading a file');
    } finally {
      await handle.close();
    }
  }

  /**
   * Writes a file atomically: the bytes go to a temporary file in the same
   * folder (created, like the folders on the way, relative to descriptors
   * of folders already checked), are flushed to disk, then the file is
   * published under its final name with a hard link, which fails if the name
   * is taken. A reader never sees a partial file, an existing file is never
   * replaced, and no temporary file is left behind on failure.
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
    await this.#publish(rel, options, async ({ handle }) => {
      const sink = new BufferedFileSink(handle);
      await produce(sink);
      await sink.flush();
      bytes = sink.bytesWritten;
    });
    return { bytes };
  }

  /**
   * Like {@link Storage.writeAtomic}, for a writer that writes a file by its
   * path (the engine's `COPY … TO`): `produce` gets the temporary file's
   * descriptor path (`/proc/self/fd/N`, already created, to be truncated and
   * written in place, never renamed); it is then flushed and published the same way.
   *
   * @throws as {@link Storage.writeAtomic}
   */
  async writeAtomicFile(rel: string, produce: (tmpPath: string) => Promise<void>): Promise<WriteResult> {
    return this.#publish(rel, {}, (tmp) => produce(tmp.path));
  }

  async #publish(
    rel: string,
    options: NormalizeOptions & { overwrite?: boolean },
    produce: Parameters<typeof publishIn>[3],
  ): Promise<WriteResult> {
    const normal = this.normalize(rel, { ...options, output: true });
    if (!options.overwrite && (await this.exists(normal, { internal: true })))
      throw new OutputExistsError(rel);
    try {
      return await this.#walk(normal, rel, 'parent', true, ({ dir, name }) =>
        publishIn(dir, name, rel, produce, options.overwrite),
      );
    } catch (err) {
      throw toStorageError(err, 'creating the output folder');
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
    try {
      return await this.#walk(normal, rel, 'parent', false, ({ dir, name }) =>
        removeTemporariesIn(dir, name),
      );
    } catch (err) {
      if (isMissing(err)) return 0;
      throw toStorageError(err, 'removing temporary files');
    }
  }

  /** Removes a file if present (service state, and the output of a job cancelled as it ended). */
  async remove(rel: string, options: NormalizeOptions = {}): Promise<void> {
    const normal = this.normalize(rel, options);
    try {
      await this.#walk(normal, rel, 'parent', false, ({ dir, name }) => unlink(descriptorPath(dir, name)));
    } catch (err) {
      if (!isMissing(err)) throw toStorageError(err, 'removing a file');
    }
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
