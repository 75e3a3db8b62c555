/**
 * The first records of an NDJSON or JSON-array file, read and parsed here
 * rather than through DuckDB. DuckDB's JSON reader fills a 32 MiB buffer
 * before its first record, whatever the `LIMIT`, and the records then
 * cross into JavaScript as text: ~0.2 s of a job on 1,000,000 rows spent on
 * 20,480 records of ~2 MB. This reader reads only the bytes the records
 * take.
 *
 * It vouches only for plain files, where DuckDB's reader provably sees the
 * same records: every record an object that `JSON.parse` accepts (stricter
 * than DuckDB's parser), NDJSON records one a line between `\n`s with
 * empty lines between them, array elements separated by JSON white space
 * and commas, valid UTF-8 without a byte order mark. Anything else (a
 * malformed or non-object record, `\r\n` line ends, trailing bytes after
 * the array, more than {@link MAX_SAMPLE_BYTES} before the last record)
 * returns `undefined`, and the caller reads the sample through DuckDB as
 * before, with DuckDB's own errors.
 *
 * @module
 */
import { open } from 'node:fs/promises';
import {
  NEWLINE,
  QUOTE,
  BACKSLASH,
  OPEN_BRACE,
  OPEN_BRACKET,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COMMA,
} from './json-bytes.js';

/** A plain file's sample. */
export interface PlainSample {
  /** The records in order; throws {@link NotPlainError} on one `JSON.parse` refuses. */
  records(): Iterable<object>;
  /** Whether every record not yet taken parses (after learning stopped on an error of its own). */
  restParses(): boolean;
}

/** A sampled record `JSON.parse` refuses: the file is not plain, DuckDB reads the sample. */
export class NotPlainError extends Error {
  constructor() {
    super('the JSON sample is not plain');
  }
}

/** Bytes read at a time. */
const CHUNK_BYTES = 256 * 1024;

/** The most bytes read for a sample here; a file whose first records take more is left to DuckDB. */
export const MAX_SAMPLE_BYTES = 16 * 2 ** 20;

/** An escaped UTF-16 surrogate (`\\uD800` to `\\uDFFF`), paired or not. */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

/** Where a scanner stands after a chunk: still reading, done (cut after `cut` bytes of the chunk), or refused. */
type Step =
  | { readonly state: 'more' }
  | { readonly state: 'done'; readonly cut: number }
  | { readonly state: 'refused' };

const MORE: Step = { state: 'more' };
const REFUSED: Step = { state: 'refused' };

/**
 * Counts NDJSON's records: lines with a byte other than space, tab and CR (DuckDB skips the others);
 * done at the end of the `limit`-th one.
 */
class LineCounter {
  #records = 0;
  /** Whether the current line has shown a byte that makes it a record. */
  #content = false;
  constructor(private readonly limit: number) {}

  step(chunk: Buffer, length: number): Step {
    let pos = 0;
    while (pos < length) {
      // Mostly the line's first byte, `{`.
      for (; !this.#content && pos < length; pos++) {
        const b = chunk[pos]!;
        if (b === NEWLINE) break;
        if (b !== 0x20 && b !== 0x09 && b !== 0x0d) this.#content = true;
      }
      const end = chunk.indexOf(NEWLINE, pos);
      if (end === -1 || end >= length) return MORE;
      if (this.#content && ++this.#records === this.limit) return { state: 'done', cut: end };
      this.#content = false;
      pos = end + 1;
    }
    return MORE;
  }

  finish(): boolean {
    return true;
  }
}

const BEFORE_ARRAY = 0;
const BEFORE_FIRST = 1;
const BEFORE_NEXT = 2;
const IN_RECORD = 3;
const AFTER_RECORD = 4;
const AFTER_ARRAY = 5;

/**
 * Follows a JSON array of objects byte by byte (strings and their escapes, bracket depth); done
 * after the `limit`-th object's closing brace, or at the end of the file after the array's end.
 */
class ArrayScanner {
  #phase = BEFORE_ARRAY;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #records = 0;
  constructor(private readonly limit: number) {}

  step(chunk: Buffer, length: number): Step {
    for (let i = 0; i < length; i++) {
      const b = chunk[i]!;
      if (this.#phase === IN_RECORD) {
        if (this.#inString) {
          if (this.#escaped) this.#escaped = false;
          else if (b === BACKSLASH) this.#escaped = true;
          else if (b === QUOTE) this.#inString = false;
        } else if (b === QUOTE) this.#inString = true;
        else if (b === OPEN_BRACE || b === OPEN_BRACKET) this.#depth++;
        else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && --this.#depth === 0) {
          if (++this.#records === this.limit) return { state: 'done', cut: i + 1 };
          this.#phase = AFTER_RECORD;
        }
      } else if (isSpace(b)) continue;
      else if (this.#phase === BEFORE_ARRAY && b === OPEN_BRACKET) this.#phase = BEFORE_FIRST;
      else if ((this.#phase === BEFORE_FIRST || this.#phase === BEFORE_NEXT) && b === OPEN_BRACE) {
        this.#phase = IN_RECORD;
        this.#depth = 1;
      } else if (this.#phase === AFTER_RECORD && b === COMMA) this.#phase = BEFORE_NEXT;
      else if ((this.#phase === AFTER_RECORD || this.#phase === BEFORE_FIRST) && b === CLOSE_BRACKET)
        this.#phase = AFTER_ARRAY;
      else return REFUSED;
    }
    return MORE;
  }

  finish(): boolean {
    return this.#phase === AFTER_ARRAY;
  }
}

/**
 * The first `limit` records of the file when it is plain (see the module's note); `undefined`
 * otherwise. Fewer records when the file holds fewer. An NDJSON record is parsed only when it is
 * taken: one that `JSON.parse` refuses throws {@link NotPlainError} then.
 *
 * @param file - absolute host path
 * @param layout - NDJSON, or a top-level array
 * @param limit - records wanted (at least 1)
 */
export async function readSample(
  file: string,
  layout: 'ndjson' | 'array',
  limit: number,
): Promise<PlainSample | undefined> {
  const scanner = layout === 'ndjson' ? new LineCounter(limit) : new ArrayScanner(limit);
  // Fatal: invalid UTF-8 is left to DuckDB's errors. A byte order mark is kept, so that it refuses the file.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const pieces: string[] = [];
  let cut = false;
  const handle = await open(file, 'r');
  try {
    // One buffer, reused: each chunk is decoded before the next is read.
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, total);
      if (bytesRead === 0) {
        if (!scanner.finish()) return undefined;
        break;
      }
      total += bytesRead;
      const step = scanner.step(chunk, bytesRead);
      if (step.state === 'refused') return undefined;
      const end = step.state === 'done' ? step.cut : bytesRead;
      try {
        pieces.push(decoder.decode(chunk.subarray(0, end), { stream: step.state === 'more' }));
      } catch {
        return undefined;
      }
      if (step.state === 'done') {
        cut = true;
        break;
      }
      if (total >= MAX_SAMPLE_BYTES) return undefined;
    }
  } finally {
    await handle.close();
  }
  const text = pieces.join('');
  // An escaped UTF-16 surrogate, alone, is refused by DuckDB's parser but not by JSON.parse.
  if (text.includes('\\u') && SURROGATE_ESCAPE.test(text)) return undefined;
  // An array cut after its last record wanted is closed here; one read to its end is whole.
  if (layout === 'array') return parseArray(cut ? text + ']' : text, limit);
  const lines = recordLines(text);
  return lines === undefined ? undefined : new LineSample(lines);
}

/** Space, tab and CR around a line's record: DuckDB skips them (and more, which is refused here). */
const LINE_SPACE = /^[ \t\r]+|[ \t\r]+$/g;

/** The records' lines, when each holds one object and nothing else (it may still not parse). */
function recordLines(text: string): string[] | undefined {
  const lines: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.startsWith('{') && raw.endsWith('}') ? raw : raw.replace(LINE_SPACE, '');
    if (line === '') continue;
    // One object a line, nothing else on it: DuckDB's reader then sees this same record.
    if (!line.startsWith('{') || !line.endsWith('}')) return undefined;
    lines.push(line);
  }
  return lines;
}

/** NDJSON lines parsed one at a time as they are taken: each record is garbage once learnt. */
class LineSample implements PlainSample {
  #next = 0;
  constructor(private readonly lines: readonly string[]) {}

  *records(): Iterable<object> {
    while (this.#next < this.lines.length) yield parseRecord(this.lines[this.#next++]!);
  }

  restParses(): boolean {
    try {
      for (const _ of this.records());
      return true;
    } catch {
      return false;
    }
  }
}

function parseRecord(line: string): object {
  try {
    return JSON.parse(line) as object;
  } catch {
    throw new NotPlainError();
  }
}

function parseArray(text: string, limit: number): PlainSample | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  // Every element began with `{` and parsed: each is an object.
  if (!Array.isArray(value) || value.length > limit) return undefined;
  const records = value as object[];
  return { records: () => records, restParses: () => true };
}
