/**
 * The result route: `GET /jobs/{id}/result`, a succeeded job's result file
 * to its submitter, or with `?limit=N` a JSON preview of its first rows
 * (logic in `lib/service/result.ts`).
 *
 * @module
 */
import { json } from '../lib/http/status.js';
import { withHttp, type ApiHandler } from '../lib/http/with-http.js';
import { deps, type ServiceDeps } from '../lib/service/deps.js';
import { jobResult, jobResultPreview, MAX_RESULT_BYTES, resultQuery } from '../lib/service/result.js';

/**
 * `GET /jobs/{id}/result[?limit=N]` over a response size limit: the file, or a JSON preview of its
 * first N rows.
 *
 * @param maxBytes - the largest body once encoded (tests lower it)
 */
export const readResult =
  (maxBytes = MAX_RESULT_BYTES): ApiHandler =>
  async (event, d) => {
    const { limit } = resultQuery(event.rawQueryString, event.queryStringParameters);
    const id = event.pathParameters?.id ?? '';
    if (limit === undefined) return jobResult(d, id, event.principal.sub, maxBytes);
    return json(200, await jobResultPreview(d, id, event.principal.sub, limit, maxBytes), {
      'cache-control': 'no-store',
    });
  };

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
