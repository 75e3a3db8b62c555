/**
 * What the dead-letter function does with one message of `compute-jobs-dlq`.
 * A message lands there after `MAX_RECEIVE_COUNT` deliveries that never
 * completed. When the worker failed the job itself (an error on its last
 * delivery) the job has already ended; when the worker died instead (a crash,
 * a kill, a timeout: nothing could record anything), the job is still
 * `queued` or `running`, and this is the one place that ends it.
 *
 * @module
 */
import { NotFoundError } from '../errors.js';
import { failCrashed, TERMINAL_STATUSES } from '../jobs/job.js';
import type { ServiceDeps } from './deps.js';
import { jobIdOf } from '../queue/job-message.js';

/**
 * Ends the job of a dead-lettered message: `failed` with `worker_crashed`
 * unless it already ended (then nothing changes). A malformed message, or one
 * whose job does not exist, is logged and acknowledged: no retry would help.
 *
 * @param deps - the service's dependencies
 * @param body - the message body (`{"job_id"}`)
 * @throws `StorageError` when the job cannot be recorded: the message is delivered again later
 */
export async function recordDeadLetter(deps: ServiceDeps, body: string): Promise<void> {
  const { logger, store } = deps;
  const jobId = jobIdOf(body);
  if (jobId === undefined) {
    // Nothing to end; the body is the queue's own, not a user's, and shown truncated.
    logger.error('dead-lettered message is not a job message; dropped', { body: body.slice(0, 200) });
    return;
  }
  let ended = false;
  try {
    const job = await store.update(jobId, (current) => {
      // Run again when a concurrent change won the write: only the last run's verdict counts.
      ended = false;
      if (TERMINAL_STATUSES.has(current.status)) return;
      failCrashed(current, deps.config.maxReceiveCount);
      ended = true;
    });
    const log = { job_id: jobId, user: job.submitted_by, operation: job.operation, attempts: job.attempts };
    // Both at warn or above: a dead-lettered message is always worth a look (the alarm says so too).
    if (ended)
      logger.error('dead-lettered job failed: the worker died on each of its deliveries', {
        ...log,
        error: job.error,
      });
    else logger.warn('dead-lettered job had already ended', { ...log, status: job.status });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    logger.warn('dead-lettered message for a job that does not exist; dropped', { job_id: jobId });
  }
}
