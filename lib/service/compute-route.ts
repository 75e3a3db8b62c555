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

/** The 202 body: where the job is and how to follow it (its status is `queued`, or the current one in a replay). */
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
 * `Prefer: wait=N` answers the finished job (200) when it ends in time. A
 * replayed `Idempotency-Key` gets the first answer's status and headers, with
 * `Idempotent-Replayed: true` and the job's current state.
 *
 * @param operation - the operation this route runs; the body is validated with its schema only
 */
export function computeRoute(operation: Operation): ApiHandler {
  return async (event, d) => {
    const key = event.headers['idempotency-key'];
    const { job, created, answer } = await submitJob(d, event.principal, operation, event.body, key);
    const location = { location: `/jobs/${job.job_id}` };
    if (!created) {
      // A replay answers as the first request was answered (status, Location, Preference-Applied), with the
      // job as it is now.
      const replayed = { ...location, 'idempotent-replayed': 'true' };
      if (answer?.status === 200) {
        const applied = answer.preference_applied;
        return json(200, jobView(job), { ...replayed, ...(applied && { 'preference-applied': applied }) });
      }
      return json(202, acceptedBody(job), replayed);
    }
    const wait = preferredWait(event.headers.prefer);
    if (wait > 0) {
      const latest = await waitForJob(d.store, job.job_id, wait);
      if (TERMINAL_STATUSES.has(latest.status)) {
        const applied = `wait=${wait}`;
        if (key !== undefined) {
          await d.store.recordIdempotentAnswer(event.principal.sub, key, job.job_id, {
            status: 200,
            preference_applied: applied,
          });
        }
        return json(200, jobView(latest), { ...location, 'preference-applied': applied });
      }
    }
    return json(202, acceptedBody(job), location);
  };
}
