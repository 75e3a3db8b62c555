/**
 * The composition every HTTP function shares, so a function file is only
 * its own logic: headers normalised, body size guarded, JSON parsed, caller
 * authenticated, errors answered in one shape.
 *
 * @module
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lambdaContextLogs } from '../log/lambda-context.js';
import type { ServiceDeps } from '../service/deps.js';
import { accessLog, authenticate, bodyLimit, errorHandler, jsonBody, type ApiEvent } from './middlewares.js';

/** A function's own logic, given an authenticated event. */
export type ApiHandler = (event: ApiEvent, deps: ServiceDeps) => Promise<APIGatewayProxyStructuredResultV2>;

/** The Lambda handler type of the HTTP functions. */
export type HttpLambda = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Wraps `handler` in the middlewares, in order: Powertools' Lambda context
 * in the logs (request id, cold start, function name on every line), access
 * log, security headers on every answer (errors included), header
 * normaliser, body limit, JSON body parser, authentication, and the error
 * handler last (its `onError` runs first, so the headers are added to the
 * error it renders).
 *
 * @param handler - the route's logic
 * @param getDeps - the dependencies (the process-wide ones in production; tests pass their own)
 *
 * @example
 * ```ts
 * export const handler = withHttp(async (event, deps) => json(200, { sub: event.principal.sub }), deps);
 * ```
 */
export function withHttp(
  handler: ApiHandler,
  getDeps: () => ServiceDeps,
  timeoutEarlyInMillis = 5,
): HttpLambda {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>({ timeoutEarlyInMillis })
    .use(lambdaContextLogs(() => getDeps().logger))
    .use(accessLog(() => getDeps().logger))
    .use(httpSecurityHeaders())
    .use(httpHeaderNormalizer())
    .use(bodyLimit())
    .use(jsonBody())
    .use(authenticate(() => getDeps().verifier))
    .use(errorHandler(() => getDeps().logger))
    .handler(async (event) => handler(event as unknown as ApiEvent, getDeps())) as unknown as HttpLambda;
}
