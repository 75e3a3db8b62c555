/**
 * The job routes: `GET /jobs/{id}`, `GET /jobs`, `DELETE /jobs/{id}`. A job
 * is visible only to its submitter; anyone else gets 404, as for an
 * unknown id.
 *
 * @module
 */
import { InvalidRequestError } from '../lib/errors.js';
import { json } from '../lib/http/status.js';
import { withHttp, type ApiHandler } from '../lib/http/with-http.js';
import { decodeCursor, PAGE_SIZE } from '../lib/jobs/cursor.js';
import { JOB_STATUSES, jobView, transition, type JobStatus } from '../lib/jobs/job.js';
import { deps, type ServiceDeps } from '../lib/service/deps.js';

const { default: DEFAULT_LIMIT, max: MAX_LIMIT } = PAGE_SIZE;

/** `GET /jobs/{id}`. */
export const readJob: ApiHandler = async (event, d) =>
  json(200, jobView(await d.store.getFor(event.pathParameters?.id ?? '', event.principal.sub)));

function listQuery(query: Record<string, string | undefined>): {
  status?: JobStatus;
  limit: number;
  cursor?: string;
} {
  const unknown = Object.keys(query).filter((k) => !['status', 'limit', 'cursor'].includes(k));
  if (unknown.length > 0)
    throw new InvalidRequestError(
      `unknown query parameters: ${unknown.join(', ')}; allowed: status, limit, cursor`,
    );
  const { status, limit, cursor } = query;
  if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
    throw new InvalidRequestError(`status must be one of ${JOB_STATUSES.join(', ')}`);
  }
  const n = limit === undefined ? DEFAULT_LIMIT : Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw new InvalidRequestError(`limit must be an integer from 1 to ${MAX_LIMIT}`);
  if (cursor !== undefined) decodeCursor(cursor);
  return { limit: n, ...(status && { status: status as JobStatus }), ...(cursor && { cursor }) };
}

/** `GET /jobs?status=&limit=&cursor=`: the caller's jobs, newest first. */
export const listMyJobs: ApiHandler = async (event, d) => {
  const page = await d.store.list(event.principal.sub, listQuery(event.queryStringParameters ?? {}));
  return json(200, { jobs: page.jobs.map(jobView), next_cursor: page.next_cursor });
};

/**
 * `DELETE /jobs/{id}`: cancels a queued or running job (the worker interrupts a running one's query
 * within about a second and removes its partial output); 409 once it ended.
 */
export const cancel: ApiHandler = async (event, d) => {
  const id = event.pathParameters?.id ?? '';
  await d.store.getFor(id, event.principal.sub);
  const job = await d.store.update(id, (current) => {
    transition(current, 'cancelled');
    current.finished_at = new Date().toISOString();
  });
  d.logger.info('job cancelled', { job_id: id, user: event.principal.sub, operation: job.operation });
  return json(200, jobView(job));
};

/** Builds the three Lambda handlers over some dependencies. */
export const makeHandlers = (getDeps: () => ServiceDeps, timeoutEarlyInMillis?: number) => ({
  getJob: withHttp(readJob, getDeps, timeoutEarlyInMillis),
  listJobs: withHttp(listMyJobs, getDeps, timeoutEarlyInMillis),
  cancelJob: withHttp(cancel, getDeps, timeoutEarlyInMillis),
});

const handlers = makeHandlers(deps);
/** Lambda handler of `GET /jobs/{id}`. */
export const getJob = handlers.getJob;
/** Lambda handler of `GET /jobs`. */
export const listJobs = handlers.listJobs;
/** Lambda handler of `DELETE /jobs/{id}`. */
export const cancelJob = handlers.cancelJob;
