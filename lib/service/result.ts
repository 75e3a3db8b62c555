/**
 * `GET /jobs/{id}/result`: a succeeded job's result file, as bytes, to its
 * submitter. The file is opened through the storage's descriptor-based
 * `Storage.openInput` in the submitter's scope, so the path checks of
 * every other read apply; its size decides before any byte is read whether
 * it fits in one response. With `?limit=N` the answer is instead a JSON
 * preview of the first N rows, whatever the format (`lib/engine/preview.ts`).
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { previewResult, MAX_PREVIEW_ROWS, type Preview } from '../engine/preview.js';
import { InvalidRequestError, JobFailedError, JobNotFinishedError, ResultTooLargeError } from '../errors.js';
import type { Job } from '../jobs/job.js';
import { toStorageError } from '../storage/storage.js';
import type { OutputFormat } from '../types.js';
import type { ServiceDeps } from './deps.js';

/** Largest response body Lambda can return (6 MB), once encoded. */
export const MAX_RESULT_BYTES = 6 * 2 ** 20;

/** Media type of each output format. */
export const RESULT_CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
  xml: 'application/xml; charset=utf-8',
};

/** Formats sent base64-encoded: their bytes are not text. */
const BINARY_FORMATS: ReadonlySet<OutputFormat> = new Set(['parquet']);

/** Size of a body of `bytes` bytes once encoded: base64 makes 4 characters of every 3 bytes. */
export function encodedSize(bytes: number, binary: boolean): number {
  return binary ? Math.ceil(bytes / 3) * 4 : bytes;
}

/**
 * `Content-Disposition` for a file name: an ASCII `filename` (quotes, backslashes and anything
 * outside printable ASCII replaced by `_`) and, when that changed it, the exact name as RFC 5987's
 * `filename*`, so a header never carries raw control characters or breaks its quoting.
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return ascii === name
    ? `attachment; filename="${name}"`
    : `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Refuses a job that has no result to send, with the reason as its status says. */
function requireSucceeded(job: Job): void {
  if (job.status === 'succeeded') return;
  if (job.status === 'failed' || job.status === 'cancelled') {
    throw new JobFailedError(job.job_id, job.status, job.error);
  }
  throw new JobNotFinishedError(job.job_id, job.status);
}

/**
 * The result of job `id` as an HTTP answer: its bytes, the media type of its format and an
 * attachment `Content-Disposition`; parquet goes base64-encoded (`isBase64Encoded`).
 *
 * @param deps - the service (its job store and storage)
 * @param id - the job id from the path
 * @param sub - the caller; another user's job is not found
 * @param maxBytes - the largest body allowed once encoded (Lambda's 6 MB by default)
 * @throws `NotFoundError` for an unknown id or another user's job
 * @throws `JobNotFinishedError` while the job is queued or running
 * @throws `JobFailedError` when it failed or was cancelled (its error code in `details`)
 * @throws `ResultTooLargeError` when the result does not fit in one response
 * @throws `InputNotFoundError`, `InvalidPathError`, `StorageError` when the result file cannot be read
 */
export async function jobResult(
  deps: ServiceDeps,
  id: string,
  sub: string,
  maxBytes = MAX_RESULT_BYTES,
): Promise<APIGatewayProxyStructuredResultV2> {
  const job = await deps.store.getFor(id, sub);
  requireSucceeded(job);
  const binary = BINARY_FORMATS.has(job.output_format);
  const opened = await deps.storage.forUser(job.submitted_by).openInput(job.output);
  let bytes: Buffer;
  try {
    const size = encodedSize(opened.size, binary);
    if (size > maxBytes) throw new ResultTooLargeError(job.output, size, maxBytes);
    bytes = await readFile(opened.path).catch((err: unknown) => {
      throw toStorageError(err, 'reading a result');
    });
  } finally {
    await opened.close();
  }
  return {
    statusCode: 200,
    headers: {
      'content-type': RESULT_CONTENT_TYPES[job.output_format],
      'content-disposition': contentDisposition(path.posix.basename(job.output)),
      'cache-control': 'no-store',
    },
    body: binary ? bytes.toString('base64') : bytes.toString('utf8'),
    isBase64Encoded: binary,
  };
}

/** The query of `GET /jobs/{id}/result`: none for the file, `limit` for a preview. */
export interface ResultQuery {
  /** Rows of the preview; undefined for the whole file. */
  readonly limit?: number;
}

/**
 * Reads the route's query string: at most one `limit`, an integer from 1 to {@link MAX_PREVIEW_ROWS}
 * in plain digits; nothing else. The raw query string is read when there is one, since API Gateway
 * joins a repeated parameter's values with commas in `queryStringParameters`.
 *
 * @param raw - `rawQueryString` of the event
 * @param parsed - `queryStringParameters`, when there is no raw query string (null or absent when none:
 *   serverless-offline sends null)
 * @throws `InvalidRequestError` for another parameter, a repeated one, or a bad limit
 */
export function resultQuery(
  raw: string | undefined,
  parsed: Record<string, string | undefined> | null | undefined,
): ResultQuery {
  const pairs: [string, string][] =
    raw !== undefined && raw !== ''
      ? [...new URLSearchParams(raw)]
      : Object.entries(parsed ?? {}).map(([k, v]): [string, string] => [k, v ?? '']);
  const unknown = [...new Set(pairs.map(([k]) => k).filter((k) => k !== 'limit'))];
  if (unknown.length > 0)
    throw new InvalidRequestError(`unknown query parameters: ${unknown.join(', ')}; allowed: limit`);
  if (pairs.length === 0) return {};
  if (pairs.length > 1) throw new InvalidRequestError(`limit is given ${pairs.length} times; give it once`);
  const text = pairs[0]![1];
  const n = /^[1-9]\d{0,3}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_PREVIEW_ROWS))
    throw new InvalidRequestError(`limit must be an integer from 1 to ${MAX_PREVIEW_ROWS}`, {
      limit: text.slice(0, 20),
    });
  return { limit: n };
}

/**
 * The first `limit` rows of job `id`'s result as a JSON table, whatever its format.
 *
 * @param deps - the service (its job store and storage)
 * @param id - the job id from the path
 * @param sub - the caller; another user's job is not found
 * @param limit - rows to show, 1 to {@link MAX_PREVIEW_ROWS}
 * @param maxBytes - the largest answer (Lambda's 6 MB by default)
 * @throws as {@link jobResult}, and `PreviewTooLargeError` (`result_too_large`) when the rows do
 *   not fit in one answer; `ParseError` when the file is not readable as its format
 */
export async function jobResultPreview(
  deps: ServiceDeps,
  id: string,
  sub: string,
  limit: number,
  maxBytes = MAX_RESULT_BYTES,
): Promise<Preview> {
  const job = await deps.store.getFor(id, sub);
  requireSucceeded(job);
  return previewResult(
    deps.storage.forUser(job.submitted_by),
    job.output,
    job.output_format,
    limit,
    maxBytes,
  );
}
