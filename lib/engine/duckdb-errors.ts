/**
 * DuckDB's errors, turned into the service's typed errors with a message
 * safe for a client: no host path, no SQL, no "possible solution" advice
 * about reader options the client cannot set.
 *
 * @module
 */
import {
  CancelledError,
  InvalidPathError,
  isAppError,
  ParseError,
  ResourceExhaustedError,
  StorageError,
} from '../errors.js';
import type { InputFormat } from '../types.js';

/** The system errors DuckDB reports in its messages, with their errno names: the storage's faults. */
const SYSTEM_ERRORS: readonly (readonly [RegExp, string])[] = [
  [/No space left on device/, 'ENOSPC'],
  [/Disk quota exceeded/, 'EDQUOT'],
  [/Read-only file system/, 'EROFS'],
  [/Permission denied/, 'EACCES'],
  [/Operation not permitted/, 'EPERM'],
  [/Input\/output error/, 'EIO'],
  [/Too many open files/, 'EMFILE'],
];

/** Drops quoted host paths and everything after the first paragraph. */
function clean(text: string): string {
  return (
    text
      .replace(/\s*in file "[^"]*"/g, '')
      .replace(/"\/[^"]*"/g, '(the input)')
      // A path starts a word: `4.0 KiB/16.0 MiB used` holds none.
      .replace(/(?<![\w.])\/[^\s"',]+/g, '(path)')
      .trim()
      .slice(0, 500)
  );
}

/**
 * Maps an error thrown by a DuckDB call.
 *
 * @param err - what DuckDB threw
 * @param cancelled - whether the job's cancel signal fired (an interrupt is then a cancel)
 * @param format - the input's format, when known: DuckDB's Parquet reader reports a malformed
 *   file as a bare `Invalid Error`, which is then the file's fault
 * @returns an `AppError` subclass when the failure is the input's or a limit's, else `err` itself
 *   (an unexpected failure, which the worker retries)
 */
export function fromDuckDbError(err: unknown, cancelled: boolean, format?: InputFormat): unknown {
  // Errors from the native binding may come from another realm (jest's VM): test the shape, not the class.
  if (isAppError(err) || typeof (err as { message?: unknown } | null)?.message !== 'string') return err;
  const message = (err as Error).message;
  if (/^INTERRUPT Error|Interrupted/.test(message)) return cancelled ? new CancelledError() : err;
  if (message.startsWith('Permission Error')) {
    return new InvalidPathError(undefined, 'the engine may not read or write outside the storage root');
  }
  if (message.startsWith('Out of Memory Error') || /max_temp_directory_size/.test(message)) {
    return new ResourceExhaustedError(
      'the job needs more memory or temporary disk space than the engine may use; ' +
        clean(message.split('\n')[0]!),
    );
  }
  const csv = /CSV Error on Line: (\d+)/.exec(message);
  if (csv !== null) {
    const line = Number(csv[1]);
    // The reason is the first line that is neither the header nor the echoed input line.
    const reason =
      message
        .split('\n')
        .slice(1)
        .find((l) => l.trim() !== '' && !l.startsWith('Original Line')) ?? 'malformed row';
    return new ParseError(`line ${line}: ${clean(reason)}`, { line });
  }
  const json = /(?:Malformed JSON|JSON transform error).*?(?:in (line|record\/value) (\d+))?: (.*)$/m.exec(
    message,
  );
  if (json !== null) {
    const where = json[2] !== undefined ? Number(json[2]) : undefined;
    const label = json[1] === 'line' ? 'line' : 'record';
    return new ParseError(
      `${where !== undefined ? `${label} ${where}: ` : ''}malformed JSON: ${clean(json[3] ?? '')}`,
      where !== undefined ? { [label]: where } : undefined,
    );
  }
  if (
    /No magic bytes found|not a parquet file|Invalid Input Error: .*[Pp]arquet|Corrupt|IO Error: .*parquet/.test(
      message,
    ) ||
    // Parquet's Thrift decoder and page reader, on metadata that lies about what the file holds.
    /TProtocolException|Out of buffer|don't know what type/.test(message) ||
    (format === 'parquet' && message.startsWith('Invalid Error'))
  ) {
    return new ParseError(
      `not a readable Parquet file: ${clean(message.split('\n')[0]!.replace(/^Invalid Error: /, ''))}`,
    );
  }
  if (/expected records, but got non-record JSON|Expected OBJECT/.test(message)) {
    return new ParseError('every JSON record must be an object');
  }
  if (/Invalid unicode|not utf-8 encoded/i.test(message)) {
    return new ParseError(`invalid UTF-8: ${clean(message.split('\n')[0]!)}`);
  }
  // What remains of DuckDB's input errors is still about the file's content, not the service.
  if (/^(Invalid Input Error|Conversion Error)/.test(message)) {
    return new ParseError(
      `the input cannot be read: ${clean(message.split('\n')[0]!.replace(/^[A-Za-z ]+Error: /, ''))}`,
    );
  }
  const systemError = SYSTEM_ERRORS.find(([pattern]) => pattern.test(message));
  if (systemError !== undefined) {
    return new StorageError(`storage failure while writing a file (${systemError[1]})`, systemError[1]);
  }
  return err;
}
