/**
 * The service's own small files (job documents, indexes, locks) under a
 * hidden folder of the storage root. Clients can never name these paths
 * (`Storage.normalize` refuses segments starting with a dot), and every path
 * here is built by the service from validated ids and hashes, so the
 * client-path checks of `Storage` (realpath walks, symlink checks) are
 * not repeated on every write: on the submission path they cost more than
 * the writes themselves.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { InputNotFoundError, OutputExistsError } from '../errors.js';
import { toStorageError } from './system-errors.js';

/** A relative state path: a dot-folder, then plain names if any (no `..`, no empty segment). */
const STATE_PATH = /^\.[a-z]+(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** Options of {@link StateFiles.write}. */
export interface StateWriteOptions {
  /** Replace an existing file (else `OutputExistsError`). */
  readonly overwrite?: boolean;
}

/** A file as {@link StateFiles.snapshot} saw it. */
export interface StateFileSnapshot {
  readonly ino: number;
  readonly mtimeMs: number;
  readonly text: string;
}

/**
 * Small state files under a storage root: atomic documents, exclusive
 * markers, reads, lists, removals.
 *
 * @example
 * ```ts
 * const state = new StateFiles('/srv/hdfs');
 * await state.write('.jobs/abc.json', '{"status":"queued"}');
 * await state.createMarker('.jobs/users/0f3a/abc');
 * ```
 */
export class StateFiles {
  readonly #root: string;
  /** Folders known to exist: a `mkdir -p` per write showed up in the submission profile. */
  readonly #folders = new Set<string>();

  /** @param root - the storage root */
  constructor(root: string) {
    this.#root = path.resolve(root);
  }

  #abs(rel: string): string {
    if (!STATE_PATH.test(rel) || rel.split('/').includes('..')) {
      // A programming error, never a client's input.
      throw new Error(`not a state path: ${JSON.stringify(rel)}`);
    }
    return path.join(this.#root, ...rel.split('/'));
  }

  async #ensureFolder(abs: string): Promise<string> {
    const folder = path.dirname(abs);
    if (!this.#folders.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.#folders.add(folder);
    }
    return folder;
  }

  /** Runs `op`; if its folder was removed meanwhile (ENOENT), recreates it and runs it once more. */
  async #inFolder<T>(abs: string, op: () => Promise<T>): Promise<T> {
    await this.#ensureFolder(abs);
    try {
      return await op();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.#folders.delete(path.dirname(abs));
      await this.#ensureFolder(abs);
      return op();
    }
  }

  /**
   * Writes a document atomically and durably: a temporary file, flushed to
   * disk, then renamed over the old one (`overwrite`) or hard-linked under
   * its name, which fails if the name is taken.
   *
   * @throws `OutputExistsError` when the file exists and `overwrite` is not set
   * @throws `StorageError` when the disk is full, read-only or denies access
   */
  async write(rel: string, text: string, options: StateWriteOptions = {}): Promise<void> {
    const abs = this.#abs(rel);
    const tmp = `${path.join(path.dirname(abs), '.' + path.basename(abs))}.${randomBytes(6).toString('hex')}.tmp`;
    let published = false;
    try {
      await this.#inFolder(abs, async () => {
        const handle = await open(
          tmp,
          fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL,
          0o644,
        );
        try {
          await handle.writeFile(text);
          await handle.sync();
        } finally {
          await handle.close();
        }
      });
      if (options.overwrite) await rename(tmp, abs);
      else {
        await link(tmp, abs);
        await unlink(tmp);
      }
      published = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new OutputExistsError(rel);
      throw toStorageError(err, 'writing service state');
    } finally {
      if (!published) await unlink(tmp).catch(() => undefined);
    }
  }

  /**
   * Creates a file, failing if it exists: an index entry (empty) or a lock
   * (naming its holder). It is not flushed: its existence is what matters,
   * and a reader must accept it empty, as it is for an instant after creation.
   *
   * @param text - optional content, written after the exclusive creation
   * @throws `OutputExistsError` when it exists
   * @throws `StorageError` when the disk is full, read-only or denies access
   */
  async createMarker(rel: string, text = ''): Promise<void> {
    const abs = this.#abs(rel);
    let created = false;
    try {
      await this.#inFolder(abs, async () => {
        const handle = await open(
          abs,
          fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL,
          0o644,
        );
        created = true;
        try {
          if (text) await handle.writeFile(text);
        } finally {
          await handle.close();
        }
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new OutputExistsError(rel);
      // Created but its text not written (a full disk): the caller was told it failed, so the file
      // must not stay. An empty lock left here would hold everyone off until it is 30 s old.
      if (created) await unlink(abs).catch(() => undefined);
      throw toStorageError(err, 'writing service state');
    }
  }

  /**
   * Reads a file as UTF-8.
   *
   * @throws `InputNotFoundError` when it does not exist
   */
  async read(rel: string): Promise<string> {
    try {
      return await readFile(this.#abs(rel), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new InputNotFoundError(rel);
      throw toStorageError(err, 'reading service state');
    }
  }

  /**
   * What a small file is now: its inode, modification time and text, read
   * through one open handle so that the three describe the same file.
   *
   * @returns undefined when it does not exist
   * @throws `StorageError` when the storage denies access
   */
  async snapshot(rel: string): Promise<StateFileSnapshot | undefined> {
    try {
      const handle = await open(this.#abs(rel), fsConstants.O_RDONLY);
      try {
        const { ino, mtimeMs } = await handle.stat();
        return { ino, mtimeMs, text: await handle.readFile('utf8') };
      } finally {
        await handle.close();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw toStorageError(err, 'reading service state');
    }
  }

  /** Removes a file if present. */
  async remove(rel: string): Promise<void> {
    await unlink(this.#abs(rel)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw toStorageError(err, 'removing service state');
    });
  }

  /** Names of the folders directly in a folder (empty if missing). */
  async folders(rel: string): Promise<string[]> {
    try {
      const entries = await readdir(this.#abs(rel), { withFileTypes: true });
      return entries.filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw toStorageError(err, 'listing service state');
    }
  }

  /** Names of the files directly in a folder (temporary files excluded; empty if missing). */
  async list(rel: string): Promise<string[]> {
    try {
      const entries = await readdir(this.#abs(rel), { withFileTypes: true });
      return entries.filter((e) => e.isFile() && !e.name.endsWith('.tmp')).map((e) => e.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw toStorageError(err, 'listing service state');
    }
  }
}
