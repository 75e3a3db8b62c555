/**
 * The result route: `GET /jobs/{id}/result`, a succeeded job's result file
 * to its submitter (logic in `lib/service/result.ts`).
 *
 * @module
 */
import { withHttp, type ApiHandler } from '../lib/http/with-http.js';
import { deps, type ServiceDeps } from '../lib/service/deps.js';
import { jobResult, MAX_RESULT_BYTES } from '../lib/service/result.js';

/**
 * `GET /jobs/{id}/result` over a response size limit.
 *
 * @param maxBytes - the largest body once encoded (tests lower it)
 */
export const readResult =
  (maxBytes = MAX_RESULT_BYTES): ApiHandler =>
  (event, d) =>
    jobResult(d, event.pathParameters?.id ?? '', event.principal.sub, maxBytes);

/** Builds the Lambda handler over some dependencies (and, for tests, a lower size limit). */
export const makeHandlers = (
  getDeps: () => ServiceDeps,
  timeoutEarlyInMillis?: number,
  maxBytes?: number,
) => ({
  getJobResult: withHttp(readResult(maxBytes), getDeps, timeoutEarlyInMillis),
});

/** Lambda handler of `GET /jobs/{id}/result`. */
export const getJobResult = makeHandlers(deps).getJobResult;
