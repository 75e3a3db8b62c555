import type { JobQueue } from '../queue/job-queue.js';
import type { JobStore } from './job-store.js';

/**
 * Puts every job left `queued` or `running` back on the queue, so that no
 * accepted job is lost when the stack was killed, and removes the temporary
 * files a killed attempt left beside its output. The users' counts of active
 * jobs are made to match the documents first (a crash may have left an entry
 * of an ended job, or none for a job stored by an older version). Safe to
 * repeat: the worker acknowledges messages of jobs that already ended.
 *
 * @returns how many jobs were re-enqueued
 * @throws `QueueUnavailableError` when the queue cannot be reached
 */
export async function recoverJobs(store: JobStore, queue: JobQueue): Promise<number> {
  const jobs = await store.unfinished();
  await store.reconcileActive(jobs);
  for (const job of jobs) {
    // Before the job is queued again: afterwards a new attempt may be writing its own.
    // Best effort: a leftover costs disk space, never correctness, and must not stop the recovery.
    await store.storage
      .forUser(job.submitted_by)
      .removeTemporaries(job.output)
      .catch(() => undefined);
    await queue.enqueue(job.job_id);
  }
  return jobs.length;
}
