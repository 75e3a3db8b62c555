/**
 * The logic of the `POST /compute/<operation>` routes, one per operation:
 * each route's function validates its own operation's schema and shares the
 * submission code (`submit.ts`) and the answer's shape.
 *
 * @module
 */
import type { Operation } from '../compute-request.js';
import { json } from '../http/status.js';
import type { ApiHandler } from '../http/with-http.js';
import { jobView, TERMINAL_STATUSES, type Job } from '../jobs/job.js';
import { submitJob } from './submit.js';
import { preferredWait, waitForJob } from './wait.js';

/** The 202 body: where the job is and how to follow it. */
export function acceptedBody(job: Job): Record<string, unknown> {
  const { job_id, status, operation, input, output, output_format, submitted_by, submitted_at } = job;
  return {
    job_id,
    status,
    operation,
    input,
    output,
    output_format,
    submitted_by,
    submitted_at,
    links: { self: `/jobs/${job_id}` },
  };
}

/**
 * The route of one operation: queues the job (202 with `Location`), or with
 * `Prefer: wait=N` answers the finished job (200) when it ends in time.
 *
 * @param operation - the operation this route runs; the body is validated with its schema only
 */
export function computeRoute(operation: Operation): ApiHandler {
  return async (event, d) => {
    const { job, created } = await submitJob(
      d,
      event.principal,
      operation,
      event.body,
      event.headers['idempotency-key'],
    );
    if (!created) return json(200, jobView(job));
    const location = { location: `/jobs/${job.job_id}` };
    const wait = preferredWait(event.headers.prefer);
    if (wait > 0) {
      const latest = await waitForJob(d.store, job.job_id, wait);
      if (TERMINAL_STATUSES.has(latest.status)) {
        return json(200, jobView(latest), { ...location, 'preference-applied': `wait=${wait}` });
      }
    }
    return json(202, acceptedBody(job), location);
  };
}
