/**
 * Small tmpfs mounts, for the storage fault tests: a file system that really
 * fills up (ENOSPC) and that can be remounted read-only (EROFS). Needs the
 * right to mount (root with CAP_SYS_ADMIN, as on the CI machine);
 * {@link mountTmpfs} says why when it cannot, so the tests can skip.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { open, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A mounted tmpfs. */
export interface TmpfsMount {
  readonly dir: string;
  /** Remounts it read-only (`ro`) or writable again (`rw`), keeping its content. */
  remount(mode: 'ro' | 'rw'): Promise<void>;
  /** Unmounts it (lazily if busy). Idempotent. */
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `sizeBytes` on the existing folder `dir`.
 *
 * @returns the mount, or the reason mounting is impossible here (e.g. `EPERM`)
 */
export async function mountTmpfs(dir: string, sizeBytes: number): Promise<TmpfsMount | { reason: string }> {
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', dir]);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    return { reason: (e.stderr ?? e.message).trim() || 'mount failed' };
  }
  let mounted = true;
  return {
    dir,
    remount: async (mode) => {
      await run('mount', ['-o', `remount,${mode}`, dir]);
    },
    unmount: async () => {
      if (!mounted) return;
      try {
        await run('umount', [dir]);
      } catch {
        await run('umount', ['-l', dir]);
      }
      mounted = false;
    },
  };
}

/** Bytes still free for an unprivileged write on the file system holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/**
 * Writes a filler file in `dir` until the file system holding it has at most
 * `leaveBytes` free (0: until the write fails with ENOSPC).
 *
 * @returns a function that removes the filler
 */
export async function fill(dir: string, leaveBytes: number): Promise<() => Promise<void>> {
  const file = path.join(dir, `filler-${process.pid}-${Date.now()}`);
  const handle = await open(file, 'wx');
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  try {
    for (;;) {
      const room = (await freeBytes(dir)) - leaveBytes;
      if (leaveBytes > 0 && room <= 0) break;
      const size = leaveBytes > 0 ? Math.min(chunk.length, room) : chunk.length;
      await handle.write(chunk, 0, size);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await handle.close();
  }
  return () => unlink(file);
}
