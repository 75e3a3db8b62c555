import { StorageError } from '../errors.js';
import type { JobQueue } from '../queue/job-queue.js';
import { failCrashed, TERMINAL_STATUSES, type Job } from './job.js';
import type { JobStore } from './job-store.js';

/** What {@link recoverJobs} did. */
export interface Recovery {
  /** Jobs put back on the queue. */
  readonly requeued: number;
  /** Jobs that had used all their attempts, now `failed` with `worker_crashed` instead. */
  readonly failed: number;
  /** Jobs listed by the unfinished index whose item a crash of the local table never wrote, removed. */
  readonly torn?: number;
  /** Set when the users' counts of active jobs could not be repaired (the table refused the writes). */
  readonly countsError?: string;
}

/**
 * Puts every job left `queued` or `running` back on the queue, so that no
 * accepted job is lost when the stack was killed, and removes the temporary
 * files a killed attempt left beside its output. A job that already had
 * `maxAttempts` attempts is not queued again: each ended with the worker gone,
 * so it is marked `failed` (`worker_crashed`) instead of crashing the next
 * run's worker as many times more. The jobs are found through the table's
 * sparse `unfinished` index, not by a scan. The users' counts of active jobs
 * are set to match them first (a crash between a job's terminal write and its
 * counter's leaves a count one too high; imported jobs have none); when the
 * table refuses those writes, the jobs are recovered all the same and
 * `countsError` says why the counts were left: they only decide 429s, and the
 * next start repairs them. Safe to repeat: the worker acknowledges
 * messages of jobs that already ended.
 *
 * @param store - the job store
 * @param queue - the jobs' queue
 * @param maxAttempts - attempts a job may have (`MAX_RECEIVE_COUNT`)
 * @returns how many jobs were re-enqueued, and how many failed
 * @throws `QueueUnavailableError` when the queue cannot be reached
 */
export async function recoverJobs(store: JobStore, queue: JobQueue, maxAttempts: number): Promise<Recovery> {
  const jobs: Job[] = [];
  let torn = 0;
  for (const job of await store.unfinished()) {
    // Listed by the index but not stored: a creation torn by a crash of the local table. It was
    // never queued nor answered; requeuing it would only be acknowledged as a missing job.
    if (await store.stored(job.job_id)) jobs.push(job);
    else {
      await store.removeTorn(job);
      torn += 1;
    }
  }
  let countsError: string | undefined;
  await store.repairCounts(jobs).catch((err: unknown) => {
    if (!(err instanceof StorageError)) throw err;
    countsError = err.message;
  });
  let requeued = 0;
  let failed = 0;
  for (const job of jobs) {
    // Before the job is queued again: afterwards a new attempt may be writing its own.
    // Best effort: a leftover costs disk space, never correctness, and must not stop the recovery.
    await store.storage
      .forUser(job.submitted_by)
      .removeTemporaries(job.output)
      .catch(() => undefined);
    if (job.attempts >= maxAttempts) {
      const after = await store.update(job.job_id, (current) => {
        if (!TERMINAL_STATUSES.has(current.status)) failCrashed(current, maxAttempts);
      });
      if (after.error?.code === 'worker_crashed') failed += 1;
      continue;
    }
    await queue.enqueue(job.job_id);
    requeued += 1;
  }
  const recovery = torn > 0 ? { requeued, failed, torn } : { requeued, failed };
  return countsError === undefined ? recovery : { ...recovery, countsError };
}
