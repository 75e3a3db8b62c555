/**
 * The one place where error codes become HTTP answers.
 *
 * @module
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  isAppError,
  QueueUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  type ErrorCode,
} from '../errors.js';

/** HTTP status of each stable error code. */
export const STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  invalid_path: 400,
  invalid_request: 400,
  unauthorized: 401,
  input_not_found: 404,
  not_found: 404,
  output_exists: 409,
  conflict: 409,
  payload_too_large: 413,
  unsupported_format: 415,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  parse_error: 422,
  unknown_column: 422,
  non_numeric_column: 422,
  too_many_requests: 429,
  internal_error: 500,
  queue_unavailable: 503,
  storage_error: 503,
  // Job failure codes: they describe a job's end, never an HTTP answer of their own.
  cancelled: 409,
  resource_exhausted: 422,
  // The service failed to run the job (its worker died on every delivery): a server-side failure.
  worker_crashed: 500,
  // GET /jobs/{id}/result on a job without a result yet (or ever), or one too large to send.
  job_not_finished: 409,
  job_failed: 409,
  result_too_large: 413,
};

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** A JSON response. */
export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/**
 * The response for any error: `{"error":{"code","message","details"?}}`
 * with the status of its code. Anything that is not an `AppError` is
 * an internal fault: a generic 500, with no message, stack or path.
 */
export function errorResponse(err: unknown): APIGatewayProxyStructuredResultV2 {
  if (!isAppError(err)) {
    return json(500, {
      error: { code: 'internal_error', message: 'internal error; the failure was logged' },
    });
  }
  const headers: Record<string, string> = {};
  if (err instanceof UnauthorizedError) {
    headers['www-authenticate'] = err.tokenPresent
      ? `Bearer error="invalid_token", error_description="${err.message.replace(/"/g, "'")}"`
      : 'Bearer';
  }
  if (err instanceof TooManyRequestsError || err instanceof QueueUnavailableError) {
    headers['retry-after'] = String(err.retryAfterSeconds);
  }
  const body = {
    code: err.code,
    message: err.message,
    ...(err.details !== undefined && { details: err.details }),
  };
  return json(STATUS_OF[err.code], { error: body }, headers);
}
