/**
 * The job: one compute request's life, from `queued` to a terminal state.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { ComputeRequest, Operation } from '../compute-request.js';
import { ConflictError } from '../errors.js';
import type { OutputFormat } from '../types.js';

/** Every state of a job. */
export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
/** A job's state. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/** States a job never leaves. */
export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Allowed transitions; `running → running` is a retry after a failed or interrupted attempt,
 * `running → cancelled` a cancel whose worker then interrupts its query, `queued → failed` a job
 * whose message was dead-lettered before any attempt could start (the worker died first each time).
 */
export const TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: ['running', 'failed', 'cancelled'],
  running: ['running', 'succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

/** Why a job failed. */
export interface JobError {
  readonly code: string;
  readonly message: string;
}

/** The stored job (an item of the jobs table, see `job-items.ts`). */
export interface Job {
  readonly job_id: string;
  status: JobStatus;
  readonly operation: Operation;
  readonly input: string;
  readonly output: string;
  readonly output_format: OutputFormat;
  readonly submitted_by: string;
  readonly submitted_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  rows_in: number | null;
  rows_out: number | null;
  attempts: number;
  /** How far the running attempt is, 0–100, updated at most once a second (null before it starts). */
  progress?: number | null;
  error: JobError | null;
  /** The resolved request the worker runs (not shown to clients: it repeats the fields above). */
  readonly request: ComputeRequest;
}

/**
 * Marks a job `failed` with `worker_crashed`: every delivery of its message ended with the worker
 * gone (a crash, a kill or a timeout) before it could record anything, so the job would otherwise
 * stay `queued` or `running` for ever. Used by the dead-letter function and by the recovery.
 *
 * @param job - a job not yet ended (queued or running)
 * @param deliveries - how many deliveries its message had (`MAX_RECEIVE_COUNT`)
 * @throws `ConflictError` when the job already ended
 */
export function failCrashed(job: Job, deliveries: number): void {
  transition(job, 'failed');
  job.error = {
    code: 'worker_crashed',
    message:
      job.attempts > 0
        ? `the worker stopped (crashed, was killed or timed out) during each of the job's ${job.attempts} attempts; ` +
          'its input may exhaust the worker'
        : `the worker stopped before it could start the job, on each of its ${deliveries} deliveries`,
  };
  job.finished_at = new Date().toISOString();
}

/** The job as `GET /jobs/{id}` shows it. */
export type JobView = Omit<Job, 'request'>;

/** The client's view of a job. */
export function jobView(job: Job): JobView {
  const { request: _request, ...view } = job;
  return view;
}

const ID_PATTERN = /^[0-9a-z]{10}[0-9a-f]{12}$/;

/**
 * A new job id: milliseconds since the epoch in base 36 (10 characters,
 * so ids sort by submission time) and 48 random bits.
 */
export function newJobId(now = Date.now()): string {
  return now.toString(36).padStart(10, '0') + randomBytes(6).toString('hex');
}

/** True when `id` has the shape of a job id (and so is safe in a file name). */
export function isJobId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/**
 * Moves a job to `next`, checking the state machine.
 *
 * @throws `ConflictError` for a transition the machine forbids
 */
export function transition(job: Job, next: JobStatus): void {
  if (!TRANSITIONS[job.status].includes(next)) {
    throw new ConflictError(`job ${job.job_id} is ${job.status} and cannot become ${next}`, {
      status: job.status,
    });
  }
  job.status = next;
}
