/**
 * Page cursors of `GET /jobs`: opaque to clients (base64url), so the way
 * pages are cut can change without breaking them.
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';
import { isJobId } from './job.js';

const PREFIX = 'after:';

/** Jobs per page of `GET /jobs`: `limit` when given (1 to `max`), else `default`. */
export const PAGE_SIZE = { default: 20, max: 100 } as const;

/**
 * The shape of every cursor this service gives, of either store (base64url, at most 160 characters: a
 * place cursor of `DynamoJobStore` is about 70); the contract states it, so both decoders check it.
 */
export const CURSOR_PATTERN = /^[\w-]{1,160}$/;

/** The cursor of the page that follows the job `lastId`. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(PREFIX + lastId, 'utf8').toString('base64url');
}

/**
 * The id of the last job of the previous page.
 *
 * @throws `InvalidRequestError` for a cursor this service did not give
 */
export function decodeCursor(cursor: string): string {
  const text = CURSOR_PATTERN.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const id = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (!isJobId(id)) throw new InvalidRequestError('cursor is not one this service gave');
  return id;
}

const PLACE_PREFIX = 'at:';

/** The place of a job in its user's index, as a place cursor names it (`DynamoJobStore`). */
export interface CursorPosition {
  /** `<submitted_at>#<job_id>` */
  readonly createdKey: string;
  readonly jobId: string;
}

/** The cursor of the page that follows the job at `createdKey` (`<submitted_at>#<job_id>`) in its user's index. */
export function encodePlaceCursor(createdKey: string): string {
  return Buffer.from(PLACE_PREFIX + createdKey, 'utf8').toString('base64url');
}

/**
 * The place in its user's index of the last job of the previous page.
 *
 * @throws `InvalidRequestError` for a cursor this service did not give
 */
export function decodePlaceCursor(cursor: string): CursorPosition {
  const text = CURSOR_PATTERN.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const createdKey = text.startsWith(PLACE_PREFIX) ? text.slice(PLACE_PREFIX.length) : '';
  const hash = createdKey.lastIndexOf('#');
  const jobId = createdKey.slice(hash + 1);
  if (hash < 1 || !isJobId(jobId) || Number.isNaN(Date.parse(createdKey.slice(0, hash)))) {
    throw new InvalidRequestError('cursor is not one this service gave');
  }
  return { createdKey, jobId };
}
