/**
 * Streaming UTF-8 decoding of an input file, shared by the text readers
 * (CSV, JSON, NDJSON): the file is read in fixed-size chunks on demand, so a
 * consumer that stops pulling stops the reads, and memory never holds more
 * than one chunk of undecoded bytes.
 *
 * @module
 */
import { open, type FileHandle } from 'node:fs/promises';
import { ParseError } from '../errors.js';
import { toStorageError } from '../storage/storage.js';

/** Bytes read per chunk by default: large enough to amortize parser calls, small enough to stream. */
export const DEFAULT_CHUNK_BYTES = 256 * 1024;

/**
 * Longest text a reader carries over without completing a record (a CSV row,
 * an NDJSON line): beyond, the input is taken as broken (a quote left open, a
 * missing newline) rather than buffered further.
 */
export const MAX_RECORD_CHARS = 64 * 1024 * 1024;

/**
 * Internal knobs of the text readers, for tests and benchmarks (not part of
 * the request options).
 */
export interface ReaderTuning {
  /** Bytes read per chunk; tiny values exercise chunk boundaries in tests. */
  readonly chunkBytes?: number;
  /** Overrides {@link MAX_RECORD_CHARS}, so tests can reach the limit cheaply. */
  readonly maxRecordChars?: number;
}

/**
 * Yields the text of a UTF-8 file in chunks, with a leading BOM removed.
 * Multi-byte characters split across reads are reassembled. Empty strings are
 * never yielded.
 *
 * @param file - absolute host path (already checked by the storage)
 * @param chunkBytes - bytes per read
 * @throws `ParseError` when the file is not valid UTF-8 (message gives line and byte offset)
 * @throws `StorageError` when the storage fails to read
 *
 * @example
 * ```ts
 * for await (const text of readTextChunks('/data/sales.csv')) consume(text);
 * ```
 */
export async function* readTextChunks(
  file: string,
  chunkBytes: number = DEFAULT_CHUNK_BYTES,
): AsyncGenerator<string, void, undefined> {
  const size = Math.max(1, Math.floor(chunkBytes));
  // BOM handling is the decoder's default (ignoreBOM: false strips it).
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const handle = await openForReading(file);
  try {
    // One buffer reused for every read: the decoder copies what it needs.
    const buffer = new Uint8Array(size);
    for (;;) {
      const bytesRead = await readInto(handle, buffer);
      let text: string;
      try {
        text =
          bytesRead === 0
            ? decoder.decode()
            : decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
      } catch {
        throw await invalidUtf8Error(file);
      }
      if (text.length > 0) yield text;
      if (bytesRead === 0) return;
    }
  } finally {
    await handle.close();
  }
}

async function openForReading(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (err) {
    throw toStorageError(err, 'opening the input');
  }
}

async function readInto(handle: FileHandle, buffer: Uint8Array): Promise<number> {
  try {
    return (await handle.read(buffer, 0, buffer.length, null)).bytesRead;
  } catch (err) {
    throw toStorageError(err, 'reading the input');
  }
}

/**
 * Builds the error for a file the decoder refused, locating the first bad
 * byte with a second pass: only failing inputs pay for it.
 */
async function invalidUtf8Error(file: string): Promise<ParseError> {
  const where = await locateInvalidUtf8(file);
  if (where === undefined) return new ParseError('invalid UTF-8 text; save the file as UTF-8');
  return new ParseError(
    `line ${where.line}: invalid UTF-8 byte sequence at byte offset ${where.byte}; save the file as UTF-8`,
    { line: where.line, byte: where.byte },
  );
}

/** Position of an invalid UTF-8 sequence. */
export interface Utf8Fault {
  /** 1-based line of the sequence. */
  readonly line: number;
  /** 0-based byte offset of the sequence's first byte. */
  readonly byte: number;
}

/**
 * Finds the first invalid UTF-8 sequence of a file (overlong forms,
 * surrogates, code points above U+10FFFF, stray or missing continuation
 * bytes, truncation at end of file), or `undefined` when the file is valid.
 *
 * @param file - absolute host path
 * @param chunkBytes - bytes per read
 * @throws `StorageError` when the storage fails to read
 */
export async function locateInvalidUtf8(
  file: string,
  chunkBytes: number = DEFAULT_CHUNK_BYTES,
): Promise<Utf8Fault | undefined> {
  const handle = await openForReading(file);
  try {
    const buffer = new Uint8Array(Math.max(4, chunkBytes));
    let offset = 0; // file offset of buffer[0]
    let line = 1;
    let need = 0; // continuation bytes still expected
    let lo = 0x80; // allowed range of the next continuation byte
    let hi = 0xbf;
    let seqStart = 0;
    let seqLine = 1;
    for (;;) {
      const n = await readInto(handle, buffer);
      if (n === 0) return need > 0 ? { line: seqLine, byte: seqStart } : undefined;
      for (let i = 0; i < n; i++) {
        const b = buffer[i]!;
        if (need > 0) {
          if (b < lo || b > hi) return { line: seqLine, byte: seqStart };
          lo = 0x80;
          hi = 0xbf;
          need--;
          continue;
        }
        if (b < 0x80) {
          if (b === 0x0a) line++;
          continue;
        }
        seqStart = offset + i;
        seqLine = line;
        if (b >= 0xc2 && b <= 0xdf) need = 1;
        else if (b >= 0xe0 && b <= 0xef) {
          need = 2;
          if (b === 0xe0)
            lo = 0xa0; // no overlong forms
          else if (b === 0xed) hi = 0x9f; // no UTF-16 surrogates
        } else if (b >= 0xf0 && b <= 0xf4) {
          need = 3;
          if (b === 0xf0) lo = 0x90;
          else if (b === 0xf4) hi = 0x8f; // nothing above U+10FFFF
        } else return { line, byte: seqStart };
      }
      offset += n;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Counts occurrences of one character in `text[from, to)`; used to keep line
 * numbers without a per-character loop.
 */
export function countChar(text: string, char: string, from = 0, to = text.length): number {
  let count = 0;
  for (let i = text.indexOf(char, from); i !== -1 && i < to; i = text.indexOf(char, i + 1)) count++;
  return count;
}
