/**
 * The rules a storage path must follow before anything is opened: a
 * relative, `/`-separated path that stays inside the root, names the file
 * systems accept (segments of at most 255 bytes, 1,024 bytes in all), and
 * no reserved names. Pure functions: no file is touched here.
 *
 * @module
 */
import path from 'node:path';
import { InvalidPathError } from '../errors.js';

/** Longest name of one folder or file, in UTF-8 bytes (`NAME_MAX` of ext4, XFS and EFS). */
export const MAX_SEGMENT_BYTES = 255;

/** Longest path a client may send, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 1024;

/** Random hex digits in a temporary file's name. */
const TEMP_HEX_DIGITS = 12;

/**
 * Bytes a temporary file's name adds to its output's: `.<name>.<12 hex>.tmp`.
 * An output's file name may use {@link MAX_SEGMENT_BYTES} less this, so that
 * its temporary file can be created too.
 */
export const TEMP_NAME_EXTRA_BYTES = '.'.length + '.'.length + TEMP_HEX_DIGITS + '.tmp'.length;

/** Longest file name of an output, in UTF-8 bytes. */
export const MAX_OUTPUT_NAME_BYTES = MAX_SEGMENT_BYTES - TEMP_NAME_EXTRA_BYTES;

/** Options of {@link normalizePath}. */
export interface NormalizeOptions {
  /**
   * Allow segments that start with a dot. Client paths may not use them: the
   * local stack keeps its queues and job table under `.sqs/` and `.dynamodb/`, and the
   * service writes `.tmp` files.
   */
  readonly internal?: boolean;
  /**
   * The path names a file to create: its name must leave room for the
   * temporary file's suffix ({@link MAX_OUTPUT_NAME_BYTES}).
   */
  readonly output?: boolean;
}

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');

/**
 * Checks a client path and returns its normal form (`a/b.csv`).
 *
 * @param rel - path relative to the root, `/`-separated
 * @param options - whether dot segments are allowed, whether it names an output
 * @returns the path with `.` and inner `..` resolved and duplicate slashes removed
 * @throws `InvalidPathError` when it is empty, absolute, contains NUL, backslashes or
 *   control characters, leaves the root, names a folder, uses a reserved name, is longer
 *   than {@link MAX_PATH_BYTES} or has a segment longer than {@link MAX_SEGMENT_BYTES}
 *   ({@link MAX_OUTPUT_NAME_BYTES} for an output's file name)
 */
export function normalizePath(rel: string, options: NormalizeOptions = {}): string {
  if (typeof rel !== 'string' || rel.length === 0) throw new InvalidPathError(String(rel), 'empty path');
  const bytes = byteLength(rel);
  if (bytes > MAX_PATH_BYTES) {
    // Not echoed back: it could be most of the request body.
    throw new InvalidPathError(undefined, `the path is ${bytes} bytes long; at most ${MAX_PATH_BYTES}`);
  }
  if (rel.includes('\0')) throw new InvalidPathError(rel.replace(/\0/g, '\\0'), 'contains a NUL byte');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(rel)) throw new InvalidPathError(rel, 'contains control characters');
  if (rel.includes('\\')) throw new InvalidPathError(rel, 'backslashes are not path separators here');
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) {
    // Not echoed back: an absolute path may spell out the host's own layout.
    throw new InvalidPathError(
      undefined,
      'absolute paths are not allowed; give a path relative to the storage root',
    );
  }
  const normal = path.posix.normalize(rel);
  if (normal === '.' || normal.endsWith('/')) throw new InvalidPathError(rel, 'names a folder, not a file');
  if (normal === '..' || normal.startsWith('../')) throw new InvalidPathError(rel, 'leaves the storage root');
  const segments = normal.split('/');
  if (!options.internal && segments.some((seg) => seg.startsWith('.'))) {
    throw new InvalidPathError(rel, 'names starting with "." are reserved');
  }
  // Every segment as sent, not only the normal form's: the system refuses a long name even when `..` drops it.
  const long = rel.split('/').find((seg) => byteLength(seg) > MAX_SEGMENT_BYTES);
  if (long !== undefined) {
    throw new InvalidPathError(
      rel,
      `a folder or file name is ${byteLength(long)} bytes long; at most ${MAX_SEGMENT_BYTES}`,
    );
  }
  const name = segments[segments.length - 1]!;
  if (options.output && byteLength(name) > MAX_OUTPUT_NAME_BYTES) {
    throw new InvalidPathError(
      rel,
      `an output's file name is ${byteLength(name)} bytes long; at most ${MAX_OUTPUT_NAME_BYTES} ` +
        `(its temporary file adds ${TEMP_NAME_EXTRA_BYTES})`,
    );
  }
  return normal;
}

/** A fresh temporary name for `name` in its folder: `.<name>.<12 hex>.tmp`. */
export function temporaryName(name: string, hex: string): string {
  return `.${name}.${hex}.tmp`;
}

/** Hex digits to pass to {@link temporaryName}. */
export const TEMP_HEX_BYTES = TEMP_HEX_DIGITS / 2;

/** True when `entry` is a temporary file of the output named `name` (see {@link temporaryName}). */
export function isTemporaryOf(entry: string, name: string): boolean {
  const prefix = `.${name}.`;
  return (
    entry.startsWith(prefix) &&
    new RegExp(`^[0-9a-f]{${TEMP_HEX_DIGITS}}\\.tmp$`).test(entry.slice(prefix.length))
  );
}
