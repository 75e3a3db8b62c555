/**
 * The body of a `compute-jobs` message: the job's id only (the job store
 * holds everything else).
 *
 * @module
 */
import { z } from 'zod';

/** The queue message body: `{"job_id"}`. */
export const JobMessageSchema = z.object({ job_id: z.string().min(1).max(64) }).strict();

/**
 * The job id of a message body.
 *
 * @returns undefined when the body is not a job message
 */
export function jobIdOf(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const message = JobMessageSchema.safeParse(parsed);
  return message.success ? message.data.job_id : undefined;
}
