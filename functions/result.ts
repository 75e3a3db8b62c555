/**
 * The result route: `GET /jobs/{id}/result`, a succeeded job's result file
 * to its submitter (logic in `lib/service/result.ts`).
 *
 * @module
 */
import { InvalidRequestError } from '../lib/errors.js';
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
  async (event, d) => {
    // No query parameter is read yet (the `?limit=N` preview is not built): refused rather than ignored,
    // so that a client asking for a preview is not sent the whole file.
    const names = Object.keys(event.queryStringParameters ?? {});
    if (names.length > 0)
      throw new InvalidRequestError(`unknown query parameters: ${names.join(', ')}; this route takes none`);
    return jobResult(d, event.pathParameters?.id ?? '', event.principal.sub, maxBytes);
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
