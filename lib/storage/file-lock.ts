/**
 * Exclusive locks as files created with `O_EXCL`, on any storage that
 * honours it, with a safe way to break the locks a crash left behind.
 *
 * @module
 */
import { OutputExistsError } from '../errors.js';
import { lockOwner, ownerIsDead } from './lock-owner.js';
import type { StateFiles, StateFileSnapshot } from './state-files.js';

/** Options of {@link FileLocks}. */
export interface FileLockOptions {
  /** Age after which a lock whose holder cannot be proved dead is broken anyway (ms). */
  readonly staleMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const sameFile = (a: StateFileSnapshot, b: StateFileSnapshot): boolean =>
  a.ino === b.ino && a.mtimeMs === b.mtimeMs && a.text === b.text;

/**
 * Lock files under a {@link StateFiles} root. A lock names its holder
 * (see `lockOwner`), so one left by a process of this machine that died is
 * broken at once; any other is broken once older than `staleMs`.
 *
 * Breaking is the delicate part: two waiters may judge the same lock stale,
 * and the second must not remove the fresh lock the first has taken since.
 * So a breaker first takes `<lock>.break` (itself exclusive), checks that the
 * lock is still the very file it judged (inode, mtime and text: inodes are
 * reused at once on ext4 and tmpfs), and only then removes it.
 *
 * @example
 * ```ts
 * const locks = new FileLocks(new StateFiles('/srv/hdfs'), { staleMs: 30_000 });
 * const release = await locks.acquire('.jobs/locks/abc');
 * try { ... } finally { await release(); }
 * ```
 */
export class FileLocks {
  readonly #state: StateFiles;
  readonly #staleMs: number;

  /**
   * @param state - where the lock files live
   * @param options - staleness delay
   */
  constructor(state: StateFiles, options: FileLockOptions) {
    this.#state = state;
    this.#staleMs = options.staleMs;
  }

  /**
   * Waits until the lock at `rel` is free, takes it, and returns its release.
   *
   * @throws `StorageError` when the storage refuses to create or remove the file
   */
  async acquire(rel: string): Promise<() => Promise<void>> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#state.createMarker(rel, lockOwner());
        return () => this.#state.remove(rel);
      } catch (err) {
        if (!(err instanceof OutputExistsError)) throw err;
      }
      if (!(await this.#breakIfStale(rel))) await sleep(Math.min(5 + attempt * 5, 50));
    }
  }

  #isStale(seen: StateFileSnapshot): boolean {
    // An empty text is a lock being written this instant: only its age can condemn it.
    return ownerIsDead(seen.text) || Date.now() - seen.mtimeMs > this.#staleMs;
  }

  /** Removes the lock if it is stale; true when the caller should try to take it again at once. */
  async #breakIfStale(rel: string): Promise<boolean> {
    const seen = await this.#state.snapshot(rel);
    if (!seen) return true; // released meanwhile
    if (!this.#isStale(seen)) return false;
    const breaker = `${rel}.break`;
    try {
      await this.#state.createMarker(breaker, lockOwner());
    } catch (err) {
      if (!(err instanceof OutputExistsError)) throw err;
      // Another waiter is breaking it. A breaker holds that file for a few ms only, so one found
      // stale was left by a crash; removing it can race only with another crash's leftovers.
      const other = await this.#state.snapshot(breaker);
      if (other && this.#isStale(other)) await this.#state.remove(breaker);
      return false;
    }
    try {
      const now = await this.#state.snapshot(rel);
      if (now && sameFile(now, seen)) await this.#state.remove(rel);
    } finally {
      await this.#state.remove(breaker);
    }
    return true;
  }
}
