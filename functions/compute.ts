/**
 * `POST /compute/group_by`, `POST /compute/non_null`, `POST /compute/stats`:
 * one Lambda handler per operation, so that each has its own memory,
 * timeout, concurrency and alarms. All share the Middy stack and the
 * submission code; an unknown operation matches no route and the HTTP API
 * answers 404 itself.
 *
 * @module
 */
import type { Operation } from '../lib/compute-request.js';
import { withHttp, type HttpLambda } from '../lib/http/with-http.js';
import { computeRoute } from '../lib/service/compute-route.js';
import { deps, type ServiceDeps } from '../lib/service/deps.js';

/**
 * Builds the three Lambda handlers over some dependencies, keyed by operation.
 *
 * @example
 * ```ts
 * const res = await makeHandlers(() => testDeps).stats(event, context);
 * ```
 */
export const makeHandlers = (
  getDeps: () => ServiceDeps,
  timeoutEarlyInMillis?: number,
): Record<Operation, HttpLambda> => ({
  group_by: withHttp(computeRoute('group_by'), getDeps, timeoutEarlyInMillis),
  non_null: withHttp(computeRoute('non_null'), getDeps, timeoutEarlyInMillis),
  stats: withHttp(computeRoute('stats'), getDeps, timeoutEarlyInMillis),
});

const handlers = makeHandlers(deps);
/** Lambda handler of `POST /compute/group_by`. */
export const groupBy = handlers.group_by;
/** Lambda handler of `POST /compute/non_null`. */
export const nonNull = handlers.non_null;
/** Lambda handler of `POST /compute/stats`. */
export const stats = handlers.stats;
