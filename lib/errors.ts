/**
 * Typed errors of the data engine and the service. Each carries a stable
 * machine-readable `code`; the HTTP layer maps codes to status codes in one
 * place (`lib/http/status.ts`), never by inspecting messages.
 *
 * @module
 */

/** Every stable error code the service can report to a client. */
export const ERROR_CODES = [
  'invalid_path',
  'input_not_found',
  'unsupported_format',
  'parse_error',
  'unknown_column',
  'non_numeric_column',
  'output_exists',
  'invalid_request',
  'storage_error',
  'unauthorized',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'idempotency_key_reused',
  'too_many_requests',
  'queue_unavailable',
  'internal_error',
  'cancelled',
  'resource_exhausted',
  'worker_crashed',
  'job_not_finished',
  'job_failed',
  'result_too_large',
] as const;

/** A stable error code, as found in `{"error":{"code"}}` bodies and failed jobs. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Base class of every error whose message is safe to show to a client.
 * Anything that is not an `AppError` is an internal fault and is reported
 * without its message or stack.
 *
 * @example
 * ```ts
 * throw new UnknownColumnError(['price'], ['id', 'amount']);
 * ```
 */
export class AppError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Optional structured context for the client (never secrets). */
  readonly details: Record<string, unknown> | undefined;

  /**
   * @param code - stable code of the failure
   * @param message - human-readable message, safe to return to a client
   * @param details - optional structured context
   */
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** A path that is absolute, escapes the storage root, contains NUL or is otherwise unusable. */
export class InvalidPathError extends AppError {
  /**
   * @param path - the path as the client sent it (echoed back, so never a resolved host path),
   *   or undefined when echoing it would reveal the host's layout
   * @param reason - why it is refused
   */
  constructor(path: string | undefined, reason: string) {
    super(
      'invalid_path',
      path === undefined ? `invalid path: ${reason}` : `invalid path ${JSON.stringify(path)}: ${reason}`,
      path === undefined ? undefined : { path },
    );
  }
}

/** The input file does not exist on the storage. */
export class InputNotFoundError extends AppError {
  /** @param path - the storage-relative path that was not found */
  constructor(path: string) {
    super('input_not_found', `input file ${JSON.stringify(path)} does not exist`, { path });
  }
}

/** The file format is not one the engine reads or writes. */
export class UnsupportedFormatError extends AppError {
  /**
   * @param what - the extension or format name that was not recognized
   * @param supported - the formats that are supported
   */
  constructor(what: string, supported: readonly string[]) {
    super(
      'unsupported_format',
      `unsupported format ${JSON.stringify(what)}; supported: ${supported.join(', ')}`,
      { supported: [...supported] },
    );
  }
}

/** The input could not be parsed; the message says where (line, record or row group). */
export class ParseError extends AppError {
  /**
   * @param message - what is wrong and where, e.g. `line 12: expected 3 fields, found 4`
   * @param location - machine-readable position, e.g. `{ line: 12 }`
   */
  constructor(message: string, location?: Record<string, unknown>) {
    super('parse_error', message, location);
  }
}

/**
 * Names an error lists at most in its `details` (the rest are counted), and
 * characters of each name it shows: an input of millions of columns, or of
 * a megabyte-long name, must not make an answer of megabytes (Lambda's limit
 * is 6 MB).
 */
export const MAX_LISTED_NAMES = 100;
/** Characters of a name shown in an error; longer ones end with `…`. */
export const MAX_SHOWN_NAME = 200;

/** Up to `max` names, each cut to {@link MAX_SHOWN_NAME} characters. */
function listed(names: readonly string[], max = MAX_LISTED_NAMES): string[] {
  return names
    .slice(0, max)
    .map((n) => (n.length > MAX_SHOWN_NAME ? `${n.slice(0, MAX_SHOWN_NAME - 1)}…` : n));
}

/** Some requested columns are not in the input. */
export class UnknownColumnError extends AppError {
  /**
   * @param unknown - the requested columns that do not exist
   * @param available - the columns that do exist, in input order; `details.available` lists
   *   the first {@link MAX_LISTED_NAMES} of them and `details.available_count` counts them
   *   when there are more (likewise `unknown` and `unknown_count`)
   */
  constructor(unknown: readonly string[], available: readonly string[]) {
    const shown = available.length > 50 ? [...listed(available, 50), '…'] : listed(available);
    super(
      'unknown_column',
      `unknown column${unknown.length > 1 ? 's' : ''} ${listed(unknown, 50)
        .map((c) => JSON.stringify(c))
        .join(', ')}${unknown.length > 50 ? ', …' : ''}; ` +
        `available: ${shown.map((c) => JSON.stringify(c)).join(', ') || '(none)'}`,
      {
        unknown: listed(unknown),
        ...(unknown.length > MAX_LISTED_NAMES && { unknown_count: unknown.length }),
        available: listed(available),
        ...(available.length > MAX_LISTED_NAMES && { available_count: available.length }),
      },
    );
  }
}

/** A numeric aggregation was asked of a column holding non-numeric values. */
export class NonNumericColumnError extends AppError {
  /**
   * @param column - the column name
   * @param example - one offending value, to help the user find it
   * @param where - optional position of that value, e.g. `line 7`
   */
  constructor(column: string, example: string, where?: string) {
    super(
      'non_numeric_column',
      `column ${JSON.stringify(column)} is not numeric: found ${JSON.stringify(example.slice(0, 100))}` +
        (where ? ` at ${where}` : ''),
      { column },
    );
  }
}

/** The output path already holds a file; results are never overwritten. */
export class OutputExistsError extends AppError {
  /** @param path - the storage-relative output path */
  constructor(path: string) {
    super('output_exists', `output ${JSON.stringify(path)} already exists`, { path });
  }
}

/** The request is well-formed JSON but asks for something that cannot be done. */
export class InvalidRequestError extends AppError {
  /**
   * @param message - what is wrong with the request
   * @param details - e.g. the list of issues found by the schema
   */
  constructor(message: string, details?: Record<string, unknown>) {
    super('invalid_request', message, details);
  }
}

/** The storage failed (disk full, read-only, permission denied): not the client's fault. */
export class StorageError extends AppError {
  /**
   * @param message - a description without host paths
   * @param cause - the underlying system error code, e.g. `ENOSPC`
   */
  constructor(message: string, cause?: string) {
    super('storage_error', message, cause ? { cause } : undefined);
  }
}

/** True when `err` is an `AppError` (safe to show to a client). */
export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** The request carries no valid access token. */
export class UnauthorizedError extends AppError {
  /**
   * @param message - what is wrong with the credentials (never the token itself)
   * @param tokenPresent - whether a token was sent (selects `error="invalid_token"` in `WWW-Authenticate`)
   */
  constructor(
    message: string,
    readonly tokenPresent: boolean = false,
  ) {
    super('unauthorized', message);
  }
}

/** No such resource for this caller (also used for other users' jobs, so their existence is not revealed). */
export class NotFoundError extends AppError {
  /** @param message - what was not found */
  constructor(message: string, details?: Record<string, unknown>) {
    super('not_found', message, details);
  }
}

/** The resource is in a state that forbids the request (e.g. cancelling a running job). */
export class ConflictError extends AppError {
  /** @param message - why the request conflicts */
  constructor(message: string, details?: Record<string, unknown>) {
    super('conflict', message, details);
  }
}

/** The request body is larger than the service accepts. */
export class PayloadTooLargeError extends AppError {
  /** @param limit - the limit in bytes */
  constructor(limit: number) {
    super('payload_too_large', `request body over ${limit} bytes`, { limit });
  }
}

/** An idempotency key sent again with another request than the one that first used it. */
export class IdempotencyKeyReusedError extends AppError {
  /** @param jobId - the job the key belongs to */
  constructor(jobId: string) {
    super(
      'idempotency_key_reused',
      `this Idempotency-Key was used for another request (job ${jobId}); use a new key for a new request`,
      { job_id: jobId },
    );
  }
}

/** A request body in a media type other than JSON. */
export class UnsupportedMediaTypeError extends AppError {
  /** @param contentType - the `Content-Type` the client sent (its media type only, at most 100 characters) */
  constructor(contentType: string) {
    super(
      'unsupported_media_type',
      `request bodies must be application/json; got ${JSON.stringify(contentType.slice(0, 100))}`,
      { accepted: ['application/json'] },
    );
  }
}

/** Too many jobs are waiting (in all, or of this user): the client should retry later. */
export class TooManyRequestsError extends AppError {
  /**
   * @param message - why
   * @param retryAfterSeconds - sent as `Retry-After`
   * @param details - more context, e.g. the limit that was reached
   */
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    details: Record<string, unknown> = {},
  ) {
    super('too_many_requests', message, { ...details, retry_after: retryAfterSeconds });
  }
}

/** The queue cannot be reached: nothing was queued. The client should retry later. */
export class QueueUnavailableError extends AppError {
  /**
   * @param message - what failed, without endpoints or credentials
   * @param retryAfterSeconds - sent as `Retry-After` (an outage of the queue is expected to be short)
   */
  constructor(
    message = 'the job queue is unavailable; retry later',
    readonly retryAfterSeconds = 5,
  ) {
    super('queue_unavailable', message);
  }
}

/** A running job was cancelled by its user; its query was interrupted. */
export class CancelledError extends AppError {
  /** @param message - what was cancelled */
  constructor(message = 'the job was cancelled while it ran') {
    super('cancelled', message);
  }
}

/** The job needs more memory or spill space than the engine may use. */
export class ResourceExhaustedError extends AppError {
  /** @param message - which limit was reached (never a host path) */
  constructor(message: string) {
    super('resource_exhausted', message);
  }
}

/** A job's result was asked for before the job succeeded (it is queued or running). */
export class JobNotFinishedError extends AppError {
  /**
   * @param jobId - the job
   * @param status - its current status
   */
  constructor(jobId: string, status: string) {
    super('job_not_finished', `job ${jobId} is ${status}; its result exists once it succeeded`, {
      job_id: jobId,
      status,
    });
  }
}

/** A job's result was asked for, but the job ended without one (failed or cancelled). */
export class JobFailedError extends AppError {
  /**
   * @param jobId - the job
   * @param status - `failed` or `cancelled`
   * @param error - the job's own error code and message, when it has one
   */
  constructor(jobId: string, status: string, error: { code: string; message: string } | null) {
    super(
      'job_failed',
      `job ${jobId} is ${status} and has no result` + (error ? `: ${error.code}: ${error.message}` : ''),
      { job_id: jobId, status, ...(error && { error_code: error.code }) },
    );
  }
}

/** A result too large for one response (Lambda's 6 MB): the client reads it from the storage. */
export class ResultTooLargeError extends AppError {
  /**
   * @param path - the result's storage path, as the job shows it
   * @param bytes - the response body's size once encoded
   * @param limit - the largest body allowed
   */
  constructor(path: string, bytes: number, limit: number) {
    super(
      'result_too_large',
      `the result is ${bytes} bytes once encoded, over the ${limit} bytes one response may carry; ` +
        `read it from the storage at ${JSON.stringify(path)}`,
      { path, bytes, limit },
    );
  }
}

/**
 * A result preview (`?limit=N`) whose rows alone are too large for one response (wide rows): the client
 * asks for fewer rows or reads the result from the storage. Same code and status as {@link ResultTooLargeError}.
 */
export class PreviewTooLargeError extends AppError {
  /**
   * @param path - the result's storage path, as the job shows it
   * @param rows - the rows asked for
   * @param limit - the largest body allowed
   */
  constructor(path: string, rows: number, limit: number) {
    super(
      'result_too_large',
      `a preview of ${rows} rows is over the ${limit} bytes one response may carry; ` +
        `ask for fewer rows or read the result from the storage at ${JSON.stringify(path)}`,
      { path, rows, limit },
    );
  }
}
