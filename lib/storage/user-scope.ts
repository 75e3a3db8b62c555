/**
 * Per-user storage (`STORAGE_SCOPE=user`): every path a user sends is
 * relative to `users/<their folder>/`, whose name is a safe, one-to-one
 * encoding of the token's `sub`, so that nobody reaches another user's files.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { MAX_SEGMENT_BYTES } from './paths.js';

/** How paths are shared among users. */
export type StorageScope = 'shared' | 'user';

/** The scopes, for configuration. */
export const STORAGE_SCOPES = ['shared', 'user'] as const;

/** The folder under the root that holds the users' folders. */
export const USERS_FOLDER = 'users';

/** Bytes kept as they are in a user's folder name; every other byte is percent-encoded. */
const PLAIN = /^[A-Za-z0-9_@-]$/;

/**
 * The folder name of user `sub`: its UTF-8 bytes, letters, digits, `_`,
 * `@`, `-` and (not first) `.` kept, every other byte as `%XX`, so `alice`
 * stays `alice` and `a/b` becomes `a%2Fb`. The encoding is one-to-one and
 * never yields `.`, `..`, a `/` or a leading dot. A `sub` whose encoding
 * would exceed a file name's 255 bytes becomes `%h` and its SHA-256 in hex,
 * which no percent-encoding can spell (`h` is not a hex digit).
 *
 * @param sub - the token's subject
 * @returns one path segment
 */
export function userFolderName(sub: string): string {
  let out = '';
  for (const byte of Buffer.from(sub, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out +=
      PLAIN.test(ch) || (ch === '.' && out.length > 0)
        ? ch
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out.length === 0) out = '%';
  return out.length > MAX_SEGMENT_BYTES ? `%h${createHash('sha256').update(sub).digest('hex')}` : out;
}

/** The segments, from the storage root, of the folder of user `sub`. */
export function userFolder(sub: string): readonly string[] {
  return [USERS_FOLDER, userFolderName(sub)];
}
