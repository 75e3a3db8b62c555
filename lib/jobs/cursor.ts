/**
 * Page cursors of `GET /jobs`: opaque to clients (base64url), so the way
 * pages are cut can change without breaking them. A cursor names the last
 * job of the previous page by its place in the user's index
 * (`<submitted_at>#<job_id>`).
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';
import { isJobId } from './job.js';

const PREFIX = 'after:';

/** Jobs per page of `GET /jobs`: `limit` when given (1 to `max`), else `default`. */
export const PAGE_SIZE = { default: 20, max: 100 } as const;

/**
 * The shape of every cursor this service gives (base64url, at most 160 characters; a cursor is about 70);
 * the contract states it, and the decoder checks it first.
 */
export const CURSOR_PATTERN = /^[\w-]{1,160}$/;

/** The place of a job in its user's index, as a cursor names it. */
export interface CursorPosition {
  /** `<submitted_at>#<job_id>` */
  readonly createdKey: string;
  readonly jobId: string;
}

/** The cursor of the page that follows the job at `createdKey` (`<submitted_at>#<job_id>`). */
export function encodeCursor(createdKey: string): string {
  return Buffer.from(PREFIX + createdKey, 'utf8').toString('base64url');
}

/**
 * The place of the last job of the previous page.
 *
 * @throws `InvalidRequestError` for a cursor this service did not give
 */
export function decodeCursor(cursor: string): CursorPosition {
  const text = CURSOR_PATTERN.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const createdKey = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  const hash = createdKey.lastIndexOf('#');
  const jobId = createdKey.slice(hash + 1);
  if (hash < 1 || !isJobId(jobId) || Number.isNaN(Date.parse(createdKey.slice(0, hash)))) {
    throw new InvalidRequestError('cursor is not one this service gave');
  }
  return { createdKey, jobId };
}
