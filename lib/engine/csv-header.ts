/**
 * The header row of a CSV or TSV file, read from a bounded prefix: the
 * column names, and the delimiter when the request does not give one.
 * DuckDB then reads the rows with this exact dialect (its own sniffer
 * guesses from samples, and on a ragged file it can guess wrong and drop
 * rows without an error).
 *
 * @module
 */
import { open } from 'node:fs/promises';
import { ParseError } from '../errors.js';
import { assertColumnCount } from './limits.js';

/** Delimiters detected when none is given, in order of preference on a tie. */
export const CANDIDATE_DELIMITERS = [',', ';', '\t', '|'] as const;

/** What {@link readCsvHeader} found. */
export interface CsvHeader {
  readonly names: readonly string[];
  readonly delimiter: string;
}

/** Bytes read for the header at most, by default: a header is short; a longer one is not a header. */
export const DEFAULT_HEADER_BYTES = 16 * 2 ** 20;

/**
 * The fields of the first record of `text` (RFC 4180: quotes around fields, `""` inside them),
 * or undefined when the record does not end within `text` and `text` is not the whole file.
 */
function firstRecord(text: string, delimiter: string, whole: boolean): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  for (;;) {
    if (i >= text.length) {
      if (!whole || quoted) return undefined;
      fields.push(field);
      return fields;
    }
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === delimiter) {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      fields.push(field);
      return fields;
    } else field += ch;
    i++;
  }
}

/** Delimiters of the candidates found outside quotes in the first line. */
function countOutsideQuotes(text: string, delimiter: string): number {
  let count = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch === delimiter) count++;
  }
  return count;
}

function checkNames(names: readonly string[]): void {
  assertColumnCount(names.length, 'line 1', { line: 1 });
  if (names.length === 1 && names[0] === '')
    throw new ParseError('line 1: the header row is empty', { line: 1 });
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (name.includes('\0')) {
      throw new ParseError(`line 1: column ${i + 1} of the header holds a NUL character`, {
        line: 1,
        column: i + 1,
      });
    }
    if (name.trim() === '') {
      throw new ParseError(`line 1: column ${i + 1} of the header has an empty name`, {
        line: 1,
        column: i + 1,
      });
    }
    const previous = seen.get(name);
    if (previous !== undefined) {
      throw new ParseError(
        `line 1: duplicate column name ${JSON.stringify(name)} (columns ${previous + 1} and ${i + 1})`,
        { line: 1, column: i + 1 },
      );
    }
    seen.set(name, i);
  });
}

/** Bytes read first; a header that does not end within them is read further, four times as much each time. */
const FIRST_READ_BYTES = 64 * 1024;

/** Where the first line ends, by {@link countOutsideQuotes}' reading of quotes; -1 when it does not end in `text`. */
function firstLineEnd(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) return i;
  }
  return -1;
}

/**
 * The length of the longest prefix of `bytes` that is well-formed UTF-8 (RFC 3629: no overlong
 * forms, surrogates or code points past U+10FFFF), a character cut by the end excluded.
 */
export function validUtf8Length(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Trailing bytes, and the narrower range the second one has after E0, ED, F0 and F4.
    let trailing: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) trailing = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      trailing = 2;
      if (b === 0xe0) low = 0xa0;
      else if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      trailing = 3;
      if (b === 0xf0) low = 0x90;
      else if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k <= trailing; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? low : 0x80) || c > (k === 1 ? high : 0xbf)) return i;
    }
    i += trailing + 1;
  }
  return i;
}

/**
 * The header of a prefix of the file, or undefined when the prefix cannot decide it yet: the
 * delimiter is detected from the whole first line, and the first record must end in the prefix.
 */
function headerOf(
  bytes: Buffer,
  whole: boolean,
  delimiter: string | undefined,
  last: boolean,
): CsvHeader | undefined {
  let text: string;
  try {
    // A cut in the middle of a character is not an encoding error: `stream` keeps it pending.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: !whole });
  } catch {
    // Invalid bytes after the header are the rows' to report: DuckDB then names their line.
    const valid = validUtf8Length(bytes);
    const header =
      valid < bytes.length ? headerOf(bytes.subarray(0, valid), false, delimiter, true) : undefined;
    if (header === undefined) throw new ParseError('line 1: invalid UTF-8', { line: 1 });
    return header;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Detection counts over the first line: a longer prefix could change the choice until it ends.
  if (delimiter === undefined && !whole && !last && firstLineEnd(text) < 0) return undefined;
  const chosen =
    delimiter ??
    CANDIDATE_DELIMITERS.reduce((best, d) =>
      countOutsideQuotes(text, d) > countOutsideQuotes(text, best) ? d : best,
    );
  const names = firstRecord(text, chosen, whole);
  if (names === undefined) return undefined;
  checkNames(names);
  return { names, delimiter: chosen };
}

/**
 * Reads and checks the header row of a delimited text file. It reads only
 * as far as the header goes (64 KiB first, then more), not the whole bound:
 * decoding and checking 16 MiB of UTF-8 cost a fifth of a second per job.
 *
 * @param file - absolute host path
 * @param delimiter - the delimiter, or undefined to detect it among {@link CANDIDATE_DELIMITERS}
 *   (the one found most often outside quotes in the first line; `,` when none is)
 * @param maxBytes - how much of the file may be read
 * @returns the names and the delimiter, or `undefined` when the header does not end within
 *   `maxBytes` (the caller decides whether to look further)
 * @throws `ParseError` for an empty file, invalid UTF-8 in the header, an empty or duplicate
 *   column name, more than `MAX_COLUMNS` columns
 */
export async function readCsvHeader(
  file: string,
  delimiter: string | undefined,
  maxBytes: number = DEFAULT_HEADER_BYTES,
): Promise<CsvHeader | undefined> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const limit = Math.min(size, maxBytes);
    let bytes = Buffer.alloc(0);
    let want = Math.min(limit, FIRST_READ_BYTES);
    for (;;) {
      const more = Buffer.alloc(want - bytes.length);
      const { bytesRead } = await handle.read(more, 0, more.length, bytes.length);
      bytes = Buffer.concat([bytes, more.subarray(0, bytesRead)]);
      // The file may have shrunk since its size was read: what was read is then all there is.
      const whole = bytes.length >= size || bytesRead < more.length;
      if (bytes.length === 0) throw new ParseError('empty file: no header row', { line: 1 });
      const last = whole || bytes.length >= limit;
      const header = headerOf(bytes, whole, delimiter, last);
      if (header !== undefined || last) return header;
      want = Math.min(limit, want * 4);
    }
  } finally {
    await handle.close();
  }
}
