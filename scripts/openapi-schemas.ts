/**
 * The answers' bodies in docs/openapi.yaml (the requests' are the zod schemas
 * of `lib/compute-request.ts`): a job, the 202 of a submission, the health
 * report, a page of jobs. Each is a named component.
 *
 * @module
 */
import './openapi-zod.js';
import { z } from 'zod';
import { OPERATIONS } from '../lib/compute-request.js';
import { JOB_STATUSES } from '../lib/jobs/job.js';
import { OUTPUT_FORMATS } from '../lib/types.js';

const JobError = z.object({ code: z.string(), message: z.string() }).strict();

/** A job document, as `GET /jobs/{id}` answers it. */
export const Job = z
  .object({
    job_id: z.string(),
    status: z.enum(JOB_STATUSES),
    operation: z.enum(OPERATIONS),
    input: z.string(),
    output: z.string(),
    output_format: z.enum(OUTPUT_FORMATS),
    submitted_by: z.string(),
    submitted_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    duration_ms: z.number().nullable(),
    rows_in: z.number().nullable(),
    rows_out: z.number().nullable(),
    attempts: z.number().int(),
    progress: z
      .number()
      .int()
      .min(0)
      .max(100)
      .nullable()
      .optional()
      .describe('how far the running attempt is, 0–100, updated at most once a second; 100 once succeeded'),
    error: JobError.nullable(),
  })
  .strict()
  .openapi('Job');

/** The 202 body of a submission. */
export const Accepted = z
  .object({
    job_id: z.string(),
    status: z
      .enum(JOB_STATUSES)
      .describe('`queued`; in a replay (`Idempotent-Replayed: true`) the job’s current status'),
    operation: z.enum(OPERATIONS),
    input: z.string(),
    output: z.string(),
    output_format: z.enum(OUTPUT_FORMATS),
    submitted_by: z.string(),
    submitted_at: z.string(),
    links: z.object({ self: z.string() }).strict(),
  })
  .strict()
  .openapi('Accepted');

/** The body of `GET /health`. */
export const Health = z
  .object({
    status: z.enum(['ok', 'degraded']),
    version: z.string(),
    checks: z.object({ storage: z.enum(['ok', 'failing']), queue: z.enum(['ok', 'failing']) }).strict(),
  })
  .strict()
  .openapi('Health');

/** A page of `GET /jobs`. */
export const JobPage = z
  .object({ jobs: z.array(Job), next_cursor: z.string().nullable() })
  .strict()
  .openapi('JobPage');
