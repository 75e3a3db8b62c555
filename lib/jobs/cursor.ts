/**
 * Page cursors of `GET /jobs`: opaque to clients (base64url), so the way
 * pages are cut can change without breaking them.
 *
 * @module
 */
import { InvalidRequestError } from '../errors.js';
import { isJobId } from './job.js';

const PREFIX = 'after:';

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
  const text = /^[\w-]{1,128}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const id = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (!isJobId(id)) throw new InvalidRequestError('cursor is not one this service gave');
  return id;
}
