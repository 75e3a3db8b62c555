/**
 * Descriptor-based path resolution inside the storage. Checking a path and
 * then opening it by name is a race: between the two, anyone who can write
 * in the storage can swap a folder or a file for a symlink that leads out.
 * Here nothing is ever opened by a name that was checked earlier: each
 * component is opened relative to the descriptor of the folder that holds
 * it, with `O_NOFOLLOW`, and symbolic links are resolved by this code, one
 * at a time, refusing any that leads out of the base folder (what
 * `openat2(RESOLVE_IN_ROOT)` would do, which Node does not offer).
 *
 * Node has no `openat`: `/proc/self/fd/<dirfd>/<name>` stands for it. The
 * kernel resolves `/proc/self/fd/<dirfd>` to the very folder the descriptor
 * holds, wherever it has moved since, and only `<name>` is looked up in it.
 *
 * @module
 */
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, readlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { toStorageError } from './system-errors.js';
import { InvalidPathError } from '../errors.js';

/** Where the kernel shows this process's descriptors. */
const FD_FOLDER = '/proc/self/fd';

/** Symbolic links (and concurrent changes) followed in one walk at most, as the kernel's `MAXSYMLINKS`. */
export const MAX_LINK_HOPS = 40;

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = fsConstants;

/**
 * The path of an open descriptor (`/proc/self/fd/N`), or of `name` in the
 * folder it holds. Opening it reaches the descriptor's own file, not
 * whatever now bears the name it was opened by.
 */
export function descriptorPath(handle: FileHandle, name?: string): string {
  return name === undefined ? `${FD_FOLDER}/${handle.fd}` : `${FD_FOLDER}/${handle.fd}/${name}`;
}

let procChecked: Promise<void> | undefined;

/**
 * Checks once per process that `/proc/self/fd` is there (Linux, as in
 * Lambda): without it no path could be opened safely.
 *
 * @throws Error naming what is missing
 */
export function assertDescriptorPaths(): Promise<void> {
  procChecked ??= access(FD_FOLDER).catch(() => {
    procChecked = undefined;
    throw new Error(`${FD_FOLDER} is not available: the storage needs Linux's /proc to open paths safely`);
  });
  return procChecked;
}

/** The folder a walk starts from and may not leave. */
export interface WalkBase {
  /** Its descriptor; the walk does not close it. */
  readonly handle: FileHandle;
  /** Absolute spellings of it (as configured and real), to resolve absolute symlink targets. */
  readonly prefixes: readonly string[];
}

/** What {@link walk} opened. */
export interface WalkEnd {
  /** The folder holding the last name; the caller closes it (unless it is the base's handle). */
  readonly dir: FileHandle;
  /** The last name, unresolved for `parent`. */
  readonly name: string;
  /** The file itself, opened without following a link, for `file`; the caller closes it. */
  readonly file?: FileHandle;
}

/** Options of {@link walk}. */
export interface WalkOptions {
  /** `file`: open the last name (following links inside the base); `parent`: stop at its folder. */
  readonly target: 'file' | 'parent';
  /** Create missing folders on the way (outputs). */
  readonly create?: boolean;
  /** The path as the client sent it, for error messages. */
  readonly shown: string;
}

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** The segments a link target stands for, relative to the base; undefined when it leaves. */
function targetSegments(target: string, base: WalkBase): string[] | undefined {
  if (!target.startsWith('/')) return target.split('/');
  for (const prefix of base.prefixes) {
    if (target === prefix) return [];
    if (target.startsWith(prefix + '/')) return target.slice(prefix.length + 1).split('/');
  }
  return undefined;
}

/**
 * Resolves `segments` from `base` one component at a time. Folders are
 * opened with `O_DIRECTORY | O_NOFOLLOW` relative to their parent's
 * descriptor; a symlink met on the way is read and its target walked in
 * its stead, `..` included, without ever leaving the base.
 *
 * @param base - the folder to start from
 * @param segments - the normalized path's segments
 * @param options - what to open at the end, whether to create folders
 * @returns the opened folder of the last name (and the file for `file`)
 * @throws `InvalidPathError` when a link leads out of the base or links loop;
 *   the system error (`ENOENT`, `ENOTDIR`, `EACCES`…) when a component cannot be opened
 */
export async function walk(
  base: WalkBase,
  segments: readonly string[],
  options: WalkOptions,
): Promise<WalkEnd> {
  const stack: FileHandle[] = [base.handle];
  const queue = [...segments];
  let hops = 0;
  const top = (): FileHandle => stack[stack.length - 1]!;
  const release = async (keep?: FileHandle): Promise<void> => {
    for (const h of stack.slice(1)) if (h !== keep) await h.close().catch(() => undefined);
  };
  const bump = (): void => {
    if (++hops > MAX_LINK_HOPS) {
      throw new InvalidPathError(options.shown, 'too many symbolic links (or the folders keep changing)');
    }
  };
  try {
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (name === '' || name === '.') continue;
      if (name === '..') {
        if (stack.length === 1)
          throw new InvalidPathError(options.shown, 'resolves outside the storage root');
        await stack.pop()!.close();
        continue;
      }
      const last = queue.length === 0;
      const dir = top();
      if (last && options.target === 'parent') {
        await release(dir);
        return { dir, name };
      }
      try {
        if (last) {
          // O_NONBLOCK: a FIFO planted under the name must not hang the open; fstat tells what it is.
          const file = await open(descriptorPath(dir, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
          await release(dir);
          return { dir, name, file };
        }
        stack.push(await open(descriptorPath(dir, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
        continue;
      } catch (err) {
        const code = errnoOf(err);
        if (code === 'ENOENT' && options.create && !last) {
          bump();
          await mkdir(descriptorPath(dir, name), 0o755).catch((e: unknown) => {
            if (errnoOf(e) !== 'EEXIST') throw e;
          });
          queue.unshift(name);
          continue;
        }
        // O_NOFOLLOW on a symlink: ELOOP (and ENOTDIR with O_DIRECTORY on some kernels).
        if (code !== 'ELOOP' && code !== 'ENOTDIR') throw err;
        let target: string;
        try {
          target = await readlink(descriptorPath(dir, name));
        } catch (e) {
          if (code === 'ENOTDIR' && errnoOf(e) === 'EINVAL') throw err; // a plain file where a folder is expected
          if (errnoOf(e) !== 'EINVAL' && errnoOf(e) !== 'ENOENT') throw e;
          bump(); // swapped since the open: look again
          queue.unshift(name);
          continue;
        }
        bump();
        const rest = targetSegments(target, base);
        if (rest === undefined)
          throw new InvalidPathError(options.shown, 'resolves outside the storage root');
        if (target.startsWith('/')) {
          await release();
          stack.length = 1;
        }
        queue.unshift(...rest);
      }
    }
    throw new InvalidPathError(options.shown, 'names a folder, not a file');
  } catch (err) {
    await release();
    throw err;
  }
}

/** Opens folder `name` in `dir` without following a symlink, creating it first when `create`. */
async function openFolder(dir: FileHandle, name: string, create: boolean): Promise<FileHandle> {
  try {
    return await open(descriptorPath(dir, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (err) {
    if (!create || errnoOf(err) !== 'ENOENT') throw err;
    await mkdir(descriptorPath(dir, name), 0o755).catch((e: unknown) => {
      if (errnoOf(e) !== 'EEXIST') throw e;
    });
    return open(descriptorPath(dir, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  }
}

/**
 * Opens the folder a storage's paths are relative to: the root (trusted
 * configuration, so it may be a symlink), then the scope's folders (a
 * user's), which are never followed as symlinks and are created when `create`.
 *
 * @param root - the root as configured
 * @param realRoot - its real path
 * @param scope - segments from the root to the base folder (none for the root)
 * @param create - create missing scope folders (writes)
 * @returns the base, to pass to {@link walk}; the caller closes its handle
 * @throws `StorageError` when the root cannot be opened; the system error for a scope folder
 */
export async function openBase(
  root: string,
  realRoot: string,
  scope: readonly string[],
  create: boolean,
): Promise<WalkBase> {
  await assertDescriptorPaths();
  let handle: FileHandle;
  try {
    handle = await open(root, O_RDONLY | O_DIRECTORY);
  } catch (err) {
    throw toStorageError(err, 'opening the storage root');
  }
  try {
    for (const name of scope) {
      const next = await openFolder(handle, name, create);
      await handle.close();
      handle = next;
    }
  } catch (err) {
    await handle.close();
    throw err;
  }
  const prefixes = [...new Set([root, realRoot])].map((p) => path.posix.join(p, ...scope));
  return { handle, prefixes };
}
