/**
 * Each user's active jobs (queued or running), counted exactly for the
 * per-user limit on waiting jobs (`MAX_QUEUED_JOBS_PER_USER`).
 *
 * @module
 */
import { OutputExistsError } from '../errors.js';
import type { FileLocks } from '../storage/file-lock.js';
import type { StateFiles } from '../storage/state-files.js';
import { isJobId, TERMINAL_STATUSES, type Job } from './job.js';

/**
 * A reservation with no job document this old is taken as left by a submission that died before
 * writing its document (the compute function times out at 28 s): it no longer counts.
 */
export const RESERVATION_GRACE_MS = 60_000;
/** At most one check of a full user's entries against their jobs per this delay, per process. */
const PRUNE_INTERVAL_MS = 30_000;

/** What {@link ActiveJobs} needs to know of a job: its document, or undefined when it has none. */
export type JobReader = (id: string) => Promise<Job | undefined>;

/**
 * Active entries on the storage: `.jobs/active/<user key>/<job id>`, an empty
 * file per job from its submission until its terminal transition. Creating
 * one (after counting the user's) holds the user's lock
 * (`.jobs/active-locks/<user key>`), so concurrent submissions of one user,
 * from any number of processes sharing the storage, never overshoot the
 * limit; other users never wait for it.
 *
 * A crash can leave an entry behind (after the job's terminal write, or
 * before its document existed). Such entries are dropped when a user is at
 * the limit (checked against the documents at most every 30 s per process)
 * and by {@link ActiveJobs.reconcile} at recovery, so a crash never lowers a
 * user's limit for good.
 *
 * @example
 * ```ts
 * const active = new ActiveJobs(state, locks, readJob);
 * if (!(await active.reserve(userKey, jobId, 100))) throw new TooManyRequestsError('…', 5);
 * ```
 */
export class ActiveJobs {
  readonly #state: StateFiles;
  readonly #locks: FileLocks;
  readonly #read: JobReader;
  readonly #prunedAt = new Map<string, number>();

  /**
   * @param state - the storage's state files
   * @param locks - lock files on the same storage
   * @param read - reads a job document (undefined when missing)
   */
  constructor(state: StateFiles, locks: FileLocks, read: JobReader) {
    this.#state = state;
    this.#locks = locks;
    this.#read = read;
  }

  #entry(user: string, id: string): string {
    return `.jobs/active/${user}/${id}`;
  }

  async #withUserLock<T>(user: string, body: () => Promise<T>): Promise<T> {
    const unlock = await this.#locks.acquire(`.jobs/active-locks/${user}`);
    try {
      return await body();
    } finally {
      await unlock();
    }
  }

  /**
   * Counts the user's active jobs and, when fewer than `limit`, records `id`
   * as one of them.
   *
   * @param user - the user's key (a hash of `sub`)
   * @param id - the new job's id
   * @param limit - the most active jobs a user may have
   * @returns false when the user already has `limit` active jobs (nothing recorded)
   * @throws `StorageError` when the storage refuses the entry or the lock
   */
  async reserve(user: string, id: string, limit: number): Promise<boolean> {
    return this.#withUserLock(user, async () => {
      let count = (await this.#state.list(`.jobs/active/${user}`)).length;
      if (count >= limit && this.#mayPrune(user)) count -= await this.#prune(user);
      if (count >= limit) return false;
      await this.#state.createMarker(this.#entry(user, id));
      return true;
    });
  }

  /** Forgets `id` as an active job of the user (it ended, or was never queued); idempotent. */
  async release(user: string, id: string): Promise<void> {
    await this.#state.remove(this.#entry(user, id));
  }

  /** How many active jobs the user has. */
  async count(user: string): Promise<number> {
    return (await this.#state.list(`.jobs/active/${user}`)).length;
  }

  /**
   * Makes the entries match the job documents (at startup, after a crash):
   * every unfinished job has its entry, entries of ended jobs go, and so do
   * entries without a document older than {@link RESERVATION_GRACE_MS}.
   *
   * @param unfinished - every job not in a terminal state, with its user's key
   * @returns how many entries were added and removed
   */
  async reconcile(
    unfinished: readonly { user: string; id: string }[],
  ): Promise<{ added: number; removed: number }> {
    let added = 0;
    let removed = 0;
    for (const { user, id } of unfinished) {
      try {
        await this.#state.createMarker(this.#entry(user, id));
        added += 1;
      } catch (err) {
        if (!(err instanceof OutputExistsError)) throw err;
      }
    }
    for (const user of await this.#state.folders('.jobs/active')) {
      removed += await this.#withUserLock(user, () => this.#prune(user));
    }
    return { added, removed };
  }

  #mayPrune(user: string): boolean {
    const last = this.#prunedAt.get(user);
    if (last !== undefined && Date.now() - last < PRUNE_INTERVAL_MS) return false;
    this.#prunedAt.set(user, Date.now());
    return true;
  }

  /** Removes the user's entries that no longer stand for an active job; returns how many. */
  async #prune(user: string): Promise<number> {
    let removed = 0;
    for (const id of await this.#state.list(`.jobs/active/${user}`)) {
      const entry = this.#entry(user, id);
      const job = isJobId(id) ? await this.#read(id) : undefined;
      if (job && !TERMINAL_STATUSES.has(job.status)) continue;
      if (!job && isJobId(id)) {
        const seen = await this.#state.snapshot(entry);
        if (seen && Date.now() - seen.mtimeMs < RESERVATION_GRACE_MS) continue;
      }
      await this.#state.remove(entry);
      removed += 1;
    }
    return removed;
  }
}
