/**
 * How the store's records look in the jobs' DynamoDB table: keys, index
 * attributes and the mapping between a {@link Job} and its item. One table,
 * partition key `pk`, three kinds of items told apart by the key's prefix
 * (`job#`, `idem#`, `user#`).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { StorageError } from '../errors.js';
import { TERMINAL_STATUSES, type Job } from './job.js';

/** The key of a user in the table: a hash of `sub` (subs may be long, or personal data). */
export const userKey = (sub: string): string => createHash('sha256').update(sub).digest('hex').slice(0, 32);

/** The value of the sparse `unfinished` attribute of queued and running jobs. */
export const UNFINISHED_JOB = '1';
/** The value of `unfinished` on every per-user counter, so that the recovery lists them with a Query. */
export const COUNTER_PARTITION = 'counter';

/** The key of a job's item. */
export const jobKey = (id: string): { pk: string } => ({ pk: `job#${id}` });

/** The key of a user's counter of queued and running jobs. */
export const counterKey = (sub: string): { pk: string } => ({ pk: `user#${userKey(sub)}` });

/**
 * The key of an idempotency key's item: scoped per user; the hash covers
 * `sub` and the key (as the files of older versions were named, so that the
 * migration can import them: they never stored the key itself).
 */
export function idempotencyItemKey(sub: string, key: string): { pk: string } {
  return { pk: idempotencyPk(userKey(sub), createHash('sha256').update(`${sub}\u0000${key}`).digest('hex')) };
}

/** The `pk` of an idempotency item from its user's key and the hash of `sub` and key. */
export const idempotencyPk = (user: string, hash: string): string => `idem#${user}#${hash}`;

/** Attributes a job's item carries beside the job's own fields. */
export interface JobItemExtras {
  readonly pk: string;
  /** Optimistic lock: every write checks the version it read and stores the next one. */
  readonly version: number;
  readonly owner: string;
  readonly owner_status: string;
  /** `<submitted_at>#<job_id>`: the sort key of the three indexes. */
  readonly created_key: string;
  readonly unfinished?: string;
  /** Epoch seconds after which the item is gone (finished jobs only). */
  readonly expires_at?: number;
}

/** A job as stored. */
export type JobItem = Job & JobItemExtras;

const EXTRA_ATTRIBUTES = [
  'pk',
  'version',
  'owner',
  'owner_status',
  'created_key',
  'unfinished',
  'expires_at',
];

/** The sort key of a job in the indexes. */
export const createdKey = (job: Pick<Job, 'submitted_at' | 'job_id'>): string =>
  `${job.submitted_at}#${job.job_id}`;

/**
 * The item of `job` at `version`: index attributes follow its status
 * (queued and running jobs are in the sparse `unfinished` index; finished
 * ones get `expires_at`, `retentionDays` after they finished).
 */
export function toJobItem(job: Job, version: number, retentionDays: number): JobItem {
  const owner = userKey(job.submitted_by);
  const finished = TERMINAL_STATUSES.has(job.status);
  const finishedAt = job.finished_at === null ? Date.now() : Date.parse(job.finished_at);
  return {
    ...job,
    ...jobKey(job.job_id),
    version,
    owner,
    owner_status: `${owner}#${job.status}`,
    created_key: createdKey(job),
    ...(finished
      ? {
          expires_at:
            Math.floor((Number.isNaN(finishedAt) ? Date.now() : finishedAt) / 1000) + retentionDays * 86_400,
        }
      : { unfinished: UNFINISHED_JOB }),
  };
}

/** True when an item's `expires_at` has passed (DynamoDB deletes expired items lazily, dynalite never). */
export const isExpired = (item: Record<string, unknown>, now = Date.now()): boolean =>
  typeof item.expires_at === 'number' && item.expires_at * 1000 <= now;

/**
 * The job of an item, without the table's own attributes.
 *
 * @throws `StorageError` when the item is not a job's (damaged by hand)
 */
export function fromJobItem(item: Record<string, unknown>): { job: Job; version: number } {
  const version = item.version;
  const job: Record<string, unknown> = { ...item };
  for (const attribute of EXTRA_ATTRIBUTES) delete job[attribute];
  if (typeof version !== 'number' || typeof job.job_id !== 'string' || typeof job.status !== 'string') {
    const id = typeof job.job_id === 'string' ? job.job_id : String(item.pk).slice(4, 68);
    throw new StorageError(`the stored state of job ${id} is unreadable (damaged)`);
  }
  return { job: job as unknown as Job, version };
}
