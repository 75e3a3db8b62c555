/**
 * What the worker does with one queued message. SQS delivers at least once
 * and retries what throws, so this is idempotent and throws exactly when a
 * retry can help.
 *
 * @module
 */
import { ComputeRequestSchema } from '../compute-request.js';
import { runCompute, type ComputeControl, type ComputeResult } from '../engine/index.js';
import {
  CancelledError,
  ConflictError,
  isAppError,
  NotFoundError,
  OutputExistsError,
  StorageError,
  type AppError,
} from '../errors.js';
import { TERMINAL_STATUSES, transition, type Job } from '../jobs/job.js';
import { JobMessageSchema } from '../queue/job-message.js';
import type { Storage } from '../storage/storage.js';
import type { ServiceDeps } from './deps.js';
import { JobHeartbeat } from './progress.js';

/** What the worker runs: the engine, replaceable in tests of failure paths. */
export type Compute = (
  storage: Storage,
  request: Job['request'],
  control?: ComputeControl,
) => Promise<ComputeResult>;

/** A retried failure: the message is redelivered, then dead-lettered. */
export class RetryableJobError extends Error {
  constructor(
    readonly jobId: string,
    readonly attempt: number,
    cause: unknown,
  ) {
    super(`job ${jobId} attempt ${attempt} failed`, { cause });
    this.name = 'RetryableJobError';
  }
}

/** Errors a retry cannot fix: the job fails at once and its message is acknowledged. */
const isDeterministic = (err: unknown): err is AppError => isAppError(err) && !(err instanceof StorageError);

function describeUnexpected(err: unknown): { code: string; message: string } {
  if (err instanceof StorageError) return { code: err.code, message: err.message };
  const sysCode = (err as NodeJS.ErrnoException | null)?.code;
  return {
    code: 'internal_error',
    message: `unexpected failure${typeof sysCode === 'string' ? ` (${sysCode})` : ''}`,
  };
}

/**
 * Handles one message: skips jobs that already ended (redelivery), marks the
 * job running, computes, and records the outcome.
 *
 * @param body - the message body (`{"job_id"}`)
 * @param receiveCount - SQS `ApproximateReceiveCount` of this delivery
 * @throws `RetryableJobError` for an unexpected or storage failure, so SQS retries it;
 *   on the last allowed delivery the job is first marked `failed` (when the storage cannot
 *   record even that, the message is re-sent with a delay instead: see `park`)
 * @throws Error for a malformed message (left to the DLQ for inspection); a message whose
 *   job does not exist is acknowledged
 */
export async function runJobMessage(
  deps: ServiceDeps,
  body: string,
  receiveCount: number,
  compute: Compute = runCompute,
): Promise<void> {
  const { job_id: jobId } = JobMessageSchema.parse(JSON.parse(body));
  const { store, logger } = deps;
  let resumed = false;
  let last = receiveCount >= deps.config.maxReceiveCount;
  let job: Job;
  try {
    job = await store.update(jobId, (current) => {
      if (TERMINAL_STATUSES.has(current.status)) return;
      resumed = current.status === 'running';
      transition(current, 'running');
      current.attempts += 1;
      current.progress = 0;
      current.started_at ??= new Date().toISOString();
    });
  } catch (err) {
    if (err instanceof StorageError && last) return park(deps, jobId, err);
    if (!(err instanceof NotFoundError)) throw err;
    // A submission whose enqueue timed out after SQS took the message: the client got a 503 and the
    // document was discarded. There is nothing to run, and no retry would find it.
    logger.warn('message for a job that does not exist; acknowledged', { job_id: jobId });
    return;
  }
  if (TERMINAL_STATUSES.has(job.status)) {
    logger.info('job already ended; message acknowledged', { job_id: jobId, status: job.status });
    return;
  }
  // The job's own count too: a message sent again (recovery, a park) starts its receive count anew,
  // and a job gets MAX_RECEIVE_COUNT attempts at most, however its messages came.
  last ||= job.attempts >= deps.config.maxReceiveCount;
  const log = { job_id: jobId, user: job.submitted_by, operation: job.operation, attempt: job.attempts };
  logger.info('job started', log);
  const started = Date.now();
  // The same rules the HTTP handler validated with (the union of the per-operation schemas, options
  // per format included): a document edited or written by an older version fails here, cleanly,
  // instead of inside the engine, which checks nothing of the request again.
  const request = ComputeRequestSchema.safeParse(job.request);
  if (!request.success) {
    await fail(deps, jobId, started, { code: 'invalid_request', message: 'the stored request is not valid' });
    logger.error('job request invalid', {
      ...log,
      issues: request.error.issues.map((i) => i.path.join('.')),
    });
    return;
  }
  // The job's paths are its submitter's: relative to their folder with STORAGE_SCOPE=user.
  const storage = deps.storage.forUser(job.submitted_by);
  const heartbeat = new JobHeartbeat(deps, jobId);
  try {
    heartbeat.start();
    let result: ComputeResult;
    try {
      result = await compute(storage, request.data, {
        onProgress: heartbeat.onProgress,
        signal: heartbeat.signal,
      });
    } finally {
      await heartbeat.stop();
    }
    if (!(await finish(deps, jobId, started, { rows_in: result.rows_in, rows_out: result.rows_out }))) {
      // Cancelled between the last statement and the record: the cancel won, the output goes.
      await storage.remove(request.data.output);
      logger.info('job cancelled as it ended; its output was removed', log);
      return;
    }
    logger.info('job succeeded', {
      ...log,
      duration_ms: Date.now() - started,
      rows_in: result.rows_in,
      rows_out: result.rows_out,
    });
  } catch (err) {
    if (err instanceof CancelledError) {
      // The job's document already says cancelled (the DELETE wrote it); the engine removed its temporary file.
      logger.info('job cancelled while running; query interrupted', {
        ...log,
        duration_ms: Date.now() - started,
      });
      return;
    }
    if (err instanceof OutputExistsError && resumed) {
      // A previous attempt published the output, then died before recording it: the work is done.
      await finish(deps, jobId, started, { rows_in: null, rows_out: null });
      logger.warn('job output found from an interrupted attempt; marked succeeded', log);
      return;
    }
    if (err instanceof OutputExistsError && (await supersededBy(deps, jobId, job.attempts))) {
      // A duplicate delivery started after this one and published first: recording output_exists here
      // would fail a job whose output is there, so its outcome is left to that later attempt.
      logger.warn('job output published by a later attempt of the same job; left to it', log);
      return;
    }
    if (isDeterministic(err)) {
      await fail(deps, jobId, started, { code: err.code, message: err.message });
      logger.info('job failed', {
        ...log,
        duration_ms: Date.now() - started,
        error: { code: err.code, message: err.message },
      });
      return;
    }
    const reason = describeUnexpected(err);
    logger.error('job attempt failed', {
      ...log,
      last_attempt: last,
      error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
    });
    if (last) {
      try {
        await fail(deps, jobId, started, {
          code: reason.code,
          message: `${reason.message}; gave up after ${job.attempts} attempts`,
        });
      } catch (failure) {
        if (failure instanceof StorageError) return park(deps, jobId, failure);
        throw failure;
      }
    }
    throw new RetryableJobError(jobId, job.attempts, err);
  }
}

/**
 * The storage cannot record this job's state, even its failure, on its last
 * delivery: letting the message go to the dead-letter queue would leave the
 * job `queued` or `running` for ever. The storage is the service's fault, not
 * the job's, so the message is sent again with a delay (the job runs once the
 * storage takes writes again; `/health` says `degraded` meanwhile) and this
 * delivery is acknowledged.
 *
 * @throws `QueueUnavailableError` when the message cannot be sent: this
 *   delivery then fails and SQS dead-letters it
 */
async function park(deps: ServiceDeps, jobId: string, cause: StorageError): Promise<void> {
  const delay = deps.config.storageRetryDelaySeconds;
  await deps.queue.enqueue(jobId, delay);
  deps.logger.warn('storage cannot record the job; its message is sent again later', {
    job_id: jobId,
    retry_in_s: delay,
    cause: cause.message,
  });
}

/**
 * Whether a later delivery of the job has started since the attempt numbered
 * `attempt` did (a message delivered twice): the job's outcome is then the
 * later attempt's to record.
 */
async function supersededBy(deps: ServiceDeps, jobId: string, attempt: number): Promise<boolean> {
  return (await deps.store.get(jobId)).attempts > attempt;
}

/**
 * Records success.
 *
 * @returns false when the job was cancelled meanwhile (the cancel won)
 */
async function finish(
  deps: ServiceDeps,
  jobId: string,
  started: number,
  rows: { rows_in: number | null; rows_out: number | null },
): Promise<boolean> {
  try {
    await deps.store.update(jobId, (job) => {
      transition(job, 'succeeded');
      Object.assign(job, rows, {
        error: null,
        progress: 100,
        finished_at: new Date().toISOString(),
        duration_ms: Date.now() - started,
      });
    });
    return true;
  } catch (err) {
    if (err instanceof ConflictError && (await deps.store.get(jobId)).status === 'cancelled') return false;
    throw err;
  }
}

/** Records a failure, unless the job was cancelled meanwhile (the cancel won). */
async function fail(
  deps: ServiceDeps,
  jobId: string,
  started: number,
  error: { code: string; message: string },
): Promise<void> {
  try {
    await deps.store.update(jobId, (job) => {
      transition(job, 'failed');
      Object.assign(job, { error, finished_at: new Date().toISOString(), duration_ms: Date.now() - started });
    });
  } catch (err) {
    if (err instanceof ConflictError && (await deps.store.get(jobId)).status === 'cancelled') return;
    throw err;
  }
}
