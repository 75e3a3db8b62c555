/**
 * The job store: one JSON document per job on the storage, written
 * atomically. It is the source of truth of every job's state; the queue
 * only carries job ids.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { InputNotFoundError, NotFoundError, OutputExistsError, StorageError } from '../errors.js';
import { FileLocks } from '../storage/file-lock.js';
import { StateFiles } from '../storage/state-files.js';
import type { Storage } from '../storage/storage.js';
import { ActiveJobs } from './active-jobs.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { isJobId, TERMINAL_STATUSES, type Job, type JobStatus } from './job.js';

const LOCK_STALE_MS = 30_000;
const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** A page of jobs. */
export interface JobPage {
  readonly jobs: Job[];
  /** Opaque cursor of the next page, or null on the last page. */
  readonly next_cursor: string | null;
}

/** How the first request of an idempotency key was answered (202 unless `Prefer: wait` gave the finished job). */
export interface IdempotentAnswer {
  readonly status: 200 | 202;
  /** The `Preference-Applied` of that answer, if any. */
  readonly preference_applied?: string;
}

/** An idempotency key's entry (`.jobs/idem/<hash>.json`). */
interface IdempotencyEntry {
  readonly job_id: string;
  /** When the key was claimed, in ms since the epoch. */
  readonly at: number;
  /** SHA-256 of the request that claimed it (operation and canonical body); absent in entries of older versions. */
  readonly fingerprint?: string;
  readonly answer?: IdempotentAnswer;
}

/** The job an idempotency key points at, with what {@link JobStore.findByIdempotencyKey} knows of its request. */
export interface IdempotentJob {
  readonly job: Job;
  readonly fingerprint: string | undefined;
  readonly answer: IdempotentAnswer | undefined;
}

/** Filters of {@link JobStore.list}. */
export interface ListOptions {
  readonly status?: JobStatus;
  readonly limit: number;
  /** An opaque cursor from a previous page (`InvalidRequestError` when it is not one). */
  readonly cursor?: string;
}

/** The key of a user in the store's file names: a hash of `sub`, safe as a file name. */
export const userKey = (sub: string): string => createHash('sha256').update(sub).digest('hex').slice(0, 32);

/**
 * Jobs on a {@link Storage}, under `.jobs/`:
 * `.jobs/<id>.json` (the document), `.jobs/users/<hash of sub>/<id>` (the
 * per-user index, names only), `.jobs/idem/<hash>.json` (idempotency keys),
 * `.jobs/locks/<id>` (update locks), `.jobs/active/<hash of sub>/<id>` (the
 * user's queued and running jobs, see {@link ActiveJobs}).
 *
 * Updates are serialised per job with a lock file created exclusively
 * (`O_EXCL`), so the HTTP cancel and the worker's start can never both win.
 * A lock whose holder is a dead process of this host, or older than 30 s,
 * is taken as left by a crash and broken.
 */
export class JobStore {
  readonly #state: StateFiles;
  readonly #locks: FileLocks;
  readonly #active: ActiveJobs;

  /** @param storage - the shared storage; the store's files live under its `.jobs/` */
  constructor(readonly storage: Storage) {
    this.#state = new StateFiles(storage.root);
    this.#locks = new FileLocks(this.#state, { staleMs: LOCK_STALE_MS });
    this.#active = new ActiveJobs(this.#state, this.#locks, (id) =>
      this.get(id).catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      }),
    );
  }

  #path(id: string): string {
    return `.jobs/${id}.json`;
  }

  /** Stores a new job and indexes it under its submitter. */
  async create(job: Job): Promise<void> {
    // Index entry first: a crash between the two leaves an entry without a document, which the
    // listing skips, never a document (re-queued by the recovery) that its user cannot list.
    await this.#state.createMarker(`.jobs/users/${userKey(job.submitted_by)}/${job.job_id}`);
    await this.#state.write(this.#path(job.job_id), JSON.stringify(job));
  }

  /**
   * Reads a job.
   *
   * @throws `NotFoundError` when there is no such job
   * @throws `StorageError` when its document is unreadable (truncated, corrupt): the storage's fault, not
   *   the client's, and not an internal error either
   */
  async get(id: string): Promise<Job> {
    if (!isJobId(id)) throw new NotFoundError(`no job ${JSON.stringify(id.slice(0, 64))}`);
    let text: string;
    try {
      text = await this.#state.read(this.#path(id));
    } catch (err) {
      if (err instanceof InputNotFoundError) throw new NotFoundError(`no job ${id}`);
      throw err;
    }
    let job: unknown;
    try {
      job = JSON.parse(text);
    } catch {
      job = undefined;
    }
    if (typeof job !== 'object' || job === null || (job as Partial<Job>).job_id !== id) {
      throw new StorageError(`the document of job ${id} is unreadable (truncated or corrupt)`);
    }
    return job as Job;
  }

  /** Removes a job that was never queued (its enqueue failed), with its index and active entries. */
  async discard(job: Job): Promise<void> {
    await this.#state.remove(`.jobs/users/${userKey(job.submitted_by)}/${job.job_id}`);
    await this.#state.remove(this.#path(job.job_id));
    await this.#active.release(userKey(job.submitted_by), job.job_id);
  }

  /**
   * Counts `sub`'s queued and running jobs and, when there are fewer than
   * `limit`, counts `jobId` among them: exact under concurrent submissions
   * (see {@link ActiveJobs.reserve}). The reservation ends with the job's
   * terminal transition, {@link JobStore.discard} or {@link JobStore.releaseSlot}.
   *
   * @returns false when `sub` already has `limit` jobs queued or running
   * @throws `StorageError` when the storage refuses the entry
   */
  async reserveSlot(sub: string, jobId: string, limit: number): Promise<boolean> {
    return this.#active.reserve(userKey(sub), jobId, limit);
  }

  /** Gives back a reservation of {@link JobStore.reserveSlot} whose job was not created. */
  async releaseSlot(sub: string, jobId: string): Promise<void> {
    await this.#active.release(userKey(sub), jobId);
  }

  /** How many jobs `sub` has queued or running. */
  async activeCount(sub: string): Promise<number> {
    return this.#active.count(userKey(sub));
  }

  /**
   * Makes the users' active entries match the job documents (recovery at
   * startup: entries a crash left, or jobs stored before entries existed).
   *
   * @returns how many entries were added and removed
   */
  async reconcileActive(unfinished: readonly Job[]): Promise<{ added: number; removed: number }> {
    return this.#active.reconcile(unfinished.map((j) => ({ user: userKey(j.submitted_by), id: j.job_id })));
  }

  /** Reads a job the caller may see: others' jobs are reported as missing, not forbidden. */
  async getFor(id: string, sub: string): Promise<Job> {
    const job = await this.get(id);
    if (job.submitted_by !== sub) throw new NotFoundError(`no job ${id}`);
    return job;
  }

  /**
   * Changes a job under its lock: `change` gets the current document and
   * may throw (e.g. a forbidden transition) to leave it untouched. A job
   * that ends here stops counting among its user's active jobs.
   *
   * @returns the job as stored afterwards
   */
  async update(id: string, change: (job: Job) => void | Promise<void>): Promise<Job> {
    const unlock = await this.#locks.acquire(`.jobs/locks/${id}`);
    try {
      const job = await this.get(id);
      const wasOpen = !TERMINAL_STATUSES.has(job.status);
      await change(job);
      await this.#state.write(this.#path(id), JSON.stringify(job), { overwrite: true });
      // After the document: a crash in between leaves an entry of an ended job, which is pruned, never
      // a running job that does not count.
      if (wasOpen && TERMINAL_STATUSES.has(job.status))
        await this.#active.release(userKey(job.submitted_by), id);
      return job;
    } finally {
      await unlock();
    }
  }

  /** The caller's jobs, newest first, optionally of one status. */
  async list(sub: string, options: ListOptions): Promise<JobPage> {
    const ids = (await this.#state.list(`.jobs/users/${userKey(sub)}`)).filter(isJobId).sort().reverse();
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const start = after === undefined ? 0 : ids.findIndex((id) => id < after);
    const jobs: Job[] = [];
    let i = start === -1 ? ids.length : start;
    for (; i < ids.length && jobs.length < options.limit; i++) {
      const job = await this.get(ids[i]!).catch(() => undefined);
      if (job && (!options.status || job.status === options.status)) jobs.push(job);
    }
    const more = i < ids.length;
    // The cursor follows the last id examined, so a filtered page that matched nothing still moves on.
    return { jobs, next_cursor: more ? encodeCursor(ids[i - 1]!) : null };
  }

  /** Every job not yet in a terminal state (for recovery at startup). */
  async unfinished(): Promise<Job[]> {
    const names = await this.#state.list('.jobs');
    const jobs: Job[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const job = await this.get(name.slice(0, -5)).catch(() => undefined);
      if (job && !TERMINAL_STATUSES.has(job.status)) jobs.push(job);
    }
    return jobs;
  }

  #idemPath(sub: string, key: string): string {
    return `.jobs/idem/${createHash('sha256').update(`${sub}\u0000${key}`).digest('hex')}.json`;
  }

  /** The entry of a live idempotency key, or undefined (none, or older than 24 hours). */
  async #idemEntry(sub: string, key: string): Promise<IdempotencyEntry | undefined> {
    try {
      const entry = JSON.parse(await this.#state.read(this.#idemPath(sub, key))) as IdempotencyEntry;
      return Date.now() - entry.at > IDEMPOTENCY_TTL_MS ? undefined : entry;
    } catch (err) {
      if (err instanceof InputNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * The job created earlier with this idempotency key by this user, within 24 hours, with the
   * fingerprint of the request that created it and the answer it got.
   */
  async findByIdempotencyKey(sub: string, key: string): Promise<IdempotentJob | undefined> {
    const entry = await this.#idemEntry(sub, key);
    if (entry === undefined) return undefined;
    try {
      return { job: await this.get(entry.job_id), fingerprint: entry.fingerprint, answer: entry.answer };
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * Records the answer the first request of a key got (a 200 of `Prefer: wait`), so replays answer alike.
   * An entry that another job took over in between is left alone.
   */
  async recordIdempotentAnswer(
    sub: string,
    key: string,
    jobId: string,
    answer: IdempotentAnswer,
  ): Promise<void> {
    const entry = await this.#idemEntry(sub, key);
    if (entry?.job_id !== jobId) return;
    await this.#state.write(this.#idemPath(sub, key), JSON.stringify({ ...entry, answer }), {
      overwrite: true,
    });
  }

  /** Forgets an idempotency key (its job could not be queued). */
  async releaseIdempotencyKey(sub: string, key: string): Promise<void> {
    await this.#state.remove(this.#idemPath(sub, key));
  }

  /**
   * Claims an idempotency key for a job. Exactly one of concurrent claims
   * wins; the others get the winner's job id.
   *
   * @returns the id of the job that owns the key
   */
  async claimIdempotencyKey(sub: string, key: string, jobId: string, fingerprint: string): Promise<string> {
    const path = this.#idemPath(sub, key);
    const entry = JSON.stringify({ job_id: jobId, at: Date.now(), fingerprint } satisfies IdempotencyEntry);
    try {
      await this.#state.write(path, entry);
      return jobId;
    } catch (err) {
      if (!(err instanceof OutputExistsError)) throw err;
      const existing = JSON.parse(await this.#state.read(path)) as {
        job_id: string;
        at: number;
      };
      if (Date.now() - existing.at <= IDEMPOTENCY_TTL_MS) return existing.job_id;
      await this.#state.write(path, entry, { overwrite: true });
      return jobId;
    }
  }
}
