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
 * `running → cancelled` a cancel whose worker then interrupts its query.
 */
export const TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: ['running', 'cancelled'],
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

/** The stored job document (`.jobs/<id>.json`). */
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
