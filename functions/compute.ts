/**
 * `POST /compute/{operation}`: accepts a computation and queues it (202),
 * or with `Prefer: wait=N` answers with the finished job (200).
 *
 * @module
 */
import { json } from '../lib/http/status.js';
import { withHttp, type ApiHandler } from '../lib/http/with-http.js';
import { jobView, TERMINAL_STATUSES, type Job } from '../lib/jobs/job.js';
import { deps, type ServiceDeps } from '../lib/service/deps.js';
import { submitJob } from '../lib/service/submit.js';
import { preferredWait, waitForJob } from '../lib/service/wait.js';

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

/** The route's logic (exported for tests). */
export const compute: ApiHandler = async (event, d) => {
  const { job, created } = await submitJob(
    d,
    event.principal,
    event.pathParameters?.operation ?? '',
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

/** Builds the Lambda handler over some dependencies. */
export const makeHandler = (getDeps: () => ServiceDeps, timeoutEarlyInMillis?: number) =>
  withHttp(compute, getDeps, timeoutEarlyInMillis);

/** The Lambda handler. */
export const handler = makeHandler(deps);
