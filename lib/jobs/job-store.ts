/**
 * The job store: every job's state in the jobs' DynamoDB table (the local
 * stack's dynalite, DynamoDB in the cloud). It is the source of truth of
 * every job's state; the queue only carries job ids, and outputs stay on the
 * shared storage.
 *
 * @module
 */
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { ActiveCounts } from './active-counts.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { IdempotencyKeys, type IdempotentAnswer } from './idempotency-keys.js';
import { isJobId, TERMINAL_STATUSES, type Job, type JobStatus } from './job.js';
import {
  fromJobItem,
  isExpired,
  jobKey,
  toJobItem,
  UNFINISHED_JOB,
  userKey,
  type JobItem,
} from './job-items.js';
import { JOB_INDEXES } from './job-table.js';
import { backoff, isConditionFailed, send, type JobTable } from './table-ops.js';

export type { IdempotentAnswer } from './idempotency-keys.js';
export type { JobTable } from './table-ops.js';
export { userKey } from './job-items.js';

/** A page of jobs. */
export interface JobPage {
  readonly jobs: Job[];
  /** Opaque cursor of the next page, or null on the last page. */
  readonly next_cursor: string | null;
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

/** Options of {@link JobStore}. */
export interface JobStoreOptions {
  /** Days a finished job is kept (`JOB_RETENTION_DAYS`). */
  readonly retentionDays: number;
  /** The clock (ms), for tests. */
  readonly now?: () => number;
}

/** An item the listing shows: not expired, and a job's (a damaged item is skipped; `GET /jobs/{id}` says 503). */
function listable(item: Record<string, unknown>): boolean {
  if (isExpired(item)) return false;
  try {
    fromJobItem(item);
    return true;
  } catch {
    return false;
  }
}

type QueryPage = { Items?: Record<string, unknown>[]; LastEvaluatedKey?: Record<string, unknown> };

/**
 * Jobs as items of one DynamoDB table (see `job-items.ts` for the layout):
 * a job per item, its user's counter of active jobs, idempotency keys.
 *
 * Every change is a conditional write on the `version` the change was
 * computed from (optimistic locking): of two concurrent changes of one job
 * exactly one wins, the other is computed again on the job as it now is. So
 * the HTTP cancel and the worker's start can never both win, and no update is
 * lost, with no lock to break after a crash.
 */
export class JobStore {
  readonly #table: JobTable;
  readonly #retentionDays: number;
  readonly #counts: ActiveCounts;
  readonly #keys: IdempotencyKeys;

  /**
   * @param storage - the shared storage (the jobs' inputs and outputs; the recovery cleans it)
   * @param table - the jobs' table
   * @param options - retention of finished jobs
   */
  constructor(
    readonly storage: Storage,
    readonly table: JobTable,
    options: JobStoreOptions,
  ) {
    this.#table = table;
    this.#retentionDays = options.retentionDays;
    this.#counts = new ActiveCounts(table, options.now);
    this.#keys = new IdempotencyKeys(table);
  }

  /**
   * Stores a new job.
   *
   * @throws `StorageError` when the table cannot be written (or the id is taken, which never happens)
   */
  async create(job: Job): Promise<void> {
    await send(
      this.#table,
      new PutCommand({
        TableName: this.#table.name,
        Item: toJobItem(job, 1, this.#retentionDays),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async #read(id: string): Promise<{ job: Job; version: number }> {
    if (!isJobId(id)) throw new NotFoundError(`no job ${JSON.stringify(id.slice(0, 64))}`);
    const { Item } = await send<{ Item?: Record<string, unknown> }>(
      this.#table,
      new GetCommand({ TableName: this.#table.name, Key: jobKey(id), ConsistentRead: true }),
    );
    // An expired job is gone, whether or not the table has deleted its item yet.
    if (Item === undefined || isExpired(Item)) throw new NotFoundError(`no job ${id}`);
    return fromJobItem(Item);
  }

  /**
   * Reads a job.
   *
   * @throws `NotFoundError` when there is no such job (or it expired)
   * @throws `StorageError` when the table cannot be read, or the item is not a job's
   */
  async get(id: string): Promise<Job> {
    return (await this.#read(id)).job;
  }

  /** Whether the job's item is in the table (a strongly consistent read of the item itself, not an index). */
  async stored(id: string): Promise<boolean> {
    try {
      await this.#read(id);
      return true;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /**
   * Removes the index entries of a job whose item is not in the table. The
   * local table (dynalite) writes a new item's index entries before the item,
   * so a SIGKILL between the two leaves a job the indexes list (`GET /jobs`,
   * the recovery) but no item holds. Writing the item again and deleting it
   * takes the entries with it. DynamoDB itself never tears a write this way.
   *
   * @throws `StorageError` when the table cannot be written
   */
  async removeTorn(job: Job): Promise<void> {
    await this.create(job);
    await this.discard(job);
  }

  /** Reads a job the caller may see: others' jobs are reported as missing, not forbidden. */
  async getFor(id: string, sub: string): Promise<Job> {
    const job = await this.get(id);
    if (job.submitted_by !== sub) throw new NotFoundError(`no job ${id}`);
    return job;
  }

  /**
   * Removes a job that was never queued (its enqueue failed, or another job
   * won its idempotency key). Its slot is given back by the submission
   * ({@link JobStore.releaseSlot}), which reserved it.
   */
  async discard(job: Job): Promise<void> {
    await send(this.#table, new DeleteCommand({ TableName: this.#table.name, Key: jobKey(job.job_id) }));
  }

  /**
   * Counts one more job for `sub` when they have fewer than `limit` queued or
   * running: exact under concurrent submissions (an atomic conditional
   * increment). The job stops counting at its terminal transition; a job that
   * is not created gives its slot back with {@link JobStore.releaseSlot}.
   *
   * @returns false when `sub` already has `limit` jobs queued or running
   * @throws `StorageError` when the table cannot be written
   */
  async reserveSlot(sub: string, limit: number): Promise<boolean> {
    if (await this.#counts.reserve(sub, limit)) return true;
    // At the limit: a count a crash left too high is lowered (once settled), then the reservation tried again.
    return (await this.#counts.settle(sub)) && this.#counts.reserve(sub, limit);
  }

  /** Gives back a slot of {@link JobStore.reserveSlot} whose job was not created, or was discarded. */
  async releaseSlot(sub: string): Promise<void> {
    await this.#counts.release(sub);
  }

  /** How many jobs `sub` has queued or running. */
  async activeCount(sub: string): Promise<number> {
    return this.#counts.count(sub);
  }

  /**
   * Sets the users' counts to their unfinished jobs (recovery at the local
   * start: a crash between a job's write and its counter's leaves a count one
   * too high; jobs imported from an older version have none).
   *
   * @returns how many counters were changed
   */
  async repairCounts(unfinished: readonly Job[]): Promise<number> {
    return this.#counts.repair(unfinished.map((j) => j.submitted_by));
  }

  /**
   * Changes a job: `change` gets the current job and may throw (e.g. a
   * forbidden transition) to leave it untouched; a change that alters nothing
   * writes nothing. The write is conditional on the version read: when
   * another change won meanwhile, `change` runs again on the job as it now is
   * (so it must be a function of the job it gets). A job that ends here stops
   * counting among its user's active jobs.
   *
   * @returns the job as stored afterwards
   * @throws `NotFoundError` when there is no such job
   * @throws `StorageError` when the table cannot be read or written
   */
  async update(id: string, change: (job: Job) => void | Promise<void>): Promise<Job> {
    for (let attempt = 0; ; attempt++) {
      const { job, version } = await this.#read(id);
      const before = JSON.stringify(job);
      const wasOpen = !TERMINAL_STATUSES.has(job.status);
      await change(job);
      if (JSON.stringify(job) === before) return job;
      try {
        await send(
          this.#table,
          new PutCommand({
            TableName: this.#table.name,
            Item: toJobItem(job, version + 1, this.#retentionDays),
            ConditionExpression: 'version = :read',
            ExpressionAttributeValues: { ':read': version },
          }),
        );
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
        await backoff(attempt);
        continue;
      }
      if (wasOpen && TERMINAL_STATUSES.has(job.status)) {
        // After the job's write, never before: a crash in between leaves a count one too high (repaired
        // at the next local start), never a running job that does not count. A failure here must not
        // undo the transition either: the job has ended, and a retry would find it ended.
        await this.#counts.release(job.submitted_by).catch(() => undefined);
      }
      return job;
    }
  }

  /**
   * The caller's jobs, newest first, optionally of one status: one Query of
   * the user's index per page (two when expired items fill the first).
   *
   * @throws `InvalidRequestError` for a cursor this service did not give
   */
  async list(sub: string, options: ListOptions): Promise<JobPage> {
    const owner = userKey(sub);
    const [index, partition, value] = options.status
      ? [JOB_INDEXES.byUserStatus, 'owner_status', `${owner}#${options.status}`]
      : [JOB_INDEXES.byUser, 'owner', owner];
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    let start: Record<string, unknown> | undefined = after && {
      ...jobKey(after.jobId),
      [partition]: value,
      created_key: after.createdKey,
    };
    const items: JobItem[] = [];
    // One more than asked, to know whether a next page exists.
    while (items.length <= options.limit) {
      const page: QueryPage = await send(
        this.#table,
        new QueryCommand({
          TableName: this.#table.name,
          IndexName: index,
          KeyConditionExpression: '#p = :v',
          ExpressionAttributeNames: { '#p': partition },
          ExpressionAttributeValues: { ':v': value },
          ScanIndexForward: false,
          Limit: options.limit + 1 - items.length,
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) if (listable(item)) items.push(item as unknown as JobItem);
      start = page.LastEvaluatedKey;
      if (!start) break;
    }
    const more = items.length > options.limit;
    const shown = items.slice(0, options.limit);
    const last = shown.at(-1);
    return {
      jobs: shown.map((item) => fromJobItem({ ...item }).job),
      next_cursor: more && last ? encodeCursor(last.created_key) : null,
    };
  }

  /** Every job not yet in a terminal state, oldest first (recovery at startup: the sparse index, no scan). */
  async unfinished(): Promise<Job[]> {
    const jobs: Job[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page: QueryPage = await send(
        this.#table,
        new QueryCommand({
          TableName: this.#table.name,
          IndexName: JOB_INDEXES.unfinished,
          KeyConditionExpression: 'unfinished = :u',
          ExpressionAttributeValues: { ':u': UNFINISHED_JOB },
          ...(start && { ExclusiveStartKey: start }),
        }),
      );
      for (const item of page.Items ?? []) {
        const { job } = fromJobItem(item);
        if (!TERMINAL_STATUSES.has(job.status)) jobs.push(job);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return jobs;
  }

  /**
   * The job created earlier with this idempotency key by this user, within 24 hours, with the
   * fingerprint of the request that created it and the answer it got.
   */
  async findByIdempotencyKey(sub: string, key: string): Promise<IdempotentJob | undefined> {
    const entry = await this.#keys.entry(sub, key);
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
    await this.#keys.recordAnswer(sub, key, jobId, answer);
  }

  /** Forgets an idempotency key (its job could not be queued). */
  async releaseIdempotencyKey(sub: string, key: string): Promise<void> {
    await this.#keys.release(sub, key);
  }

  /**
   * Claims an idempotency key for a job. Exactly one of concurrent claims
   * wins; the others get the winner's job id.
   *
   * @returns the id of the job that owns the key
   */
  async claimIdempotencyKey(sub: string, key: string, jobId: string, fingerprint: string): Promise<string> {
    return this.#keys.claim(sub, key, jobId, fingerprint);
  }
}
