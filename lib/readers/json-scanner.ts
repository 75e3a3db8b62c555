/**
 * An incremental scanner over JSON text arriving in chunks. It does not
 * build values: it finds where they end (tracking strings, escapes and
 * nesting depth) so that the reader can hand whole stretches of records to
 * `JSON.parse` without ever holding the whole file.
 *
 * @module
 */
import { ParseError } from '../errors.js';
import { countChar } from './text-chunks.js';

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const NEWLINE = 10;

/**
 * A window on the text of a file: `buf` holds the not yet consumed text,
 * `pos` the scan position in it, `depth` the nesting depth at `pos` relative
 * to where the current scan started, and `line` the 1-based line of `pos`.
 */
export class JsonText {
  buf = '';
  pos = 0;
  depth = 0;
  line = 1;
  readonly #chunks: AsyncIterator<string>;

  /**
   * @param chunks - the decoded text of the file, in order
   * @param maxChars - longest text carried over unfinished (a record, a key, a value): past it,
   *   {@link JsonText.fill} adds no more than one chunk and {@link JsonText.overLimit} says so
   */
  constructor(
    chunks: AsyncIterator<string>,
    readonly maxChars = Infinity,
  ) {
    this.#chunks = chunks;
  }

  /** Whether the text kept from `keepFrom` on is already longer than `maxChars`. */
  overLimit(keepFrom: number): boolean {
    return this.buf.length - keepFrom > this.maxChars;
  }

  /**
   * Appends more text, first dropping the text before `keepFrom` (indexes
   * into `buf` shift by `keepFrom`; `pos` is adjusted): at least one chunk,
   * and as much as is kept, unless that takes `buf` over `maxChars`.
   *
   * @param keepFrom - first character of `buf` still needed
   * @returns false at end of file
   */
  async fill(keepFrom: number): Promise<boolean> {
    const rest = keepFrom === 0 ? this.buf : this.buf.slice(keepFrom);
    this.pos -= keepFrom;
    // At least as much new text as is kept: a record spanning many chunks then costs a
    // number of fills (each a copy and a rescan of the kept text) logarithmic in its size,
    // not linear — 52 s and 1.4 GB for a 100 MB string value, before.
    const parts = [rest];
    let added = 0;
    while (added === 0 || (added < rest.length && rest.length + added <= this.maxChars)) {
      const next = await this.#chunks.next();
      if (next.done) break;
      parts.push(next.value);
      added += next.value.length;
    }
    this.buf = parts.length === 1 ? rest : parts.join('');
    return added > 0;
  }

  /**
   * Moves `pos` to the next non-whitespace character, reading more text as
   * needed (dropping what is before `pos`).
   *
   * @returns its char code, or -1 at end of file
   */
  async peek(): Promise<number> {
    for (;;) {
      const { buf } = this;
      for (let i = this.pos; i < buf.length; i++) {
        const c = buf.charCodeAt(i);
        if (c === NEWLINE) this.line++;
        else if (c !== 32 && c !== 9 && c !== 13) {
          this.pos = i;
          return c;
        }
      }
      this.pos = buf.length;
      if (!(await this.fill(this.pos))) return -1;
    }
  }

  /**
   * Reads the string starting at `pos` (which must be a quote), e.g. an
   * object key, and moves past it.
   *
   * @throws `ParseError` when the string is invalid, never closed, or longer than `maxChars`
   */
  async readString(): Promise<string> {
    for (;;) {
      const end = stringEnd(this.buf, this.pos);
      if (end !== -1) {
        const raw = this.buf.slice(this.pos, end + 1);
        this.pos = end + 1;
        try {
          return JSON.parse(raw) as string;
        } catch {
          throw new ParseError(`line ${this.line}: invalid JSON string`, { line: this.line });
        }
      }
      if (this.overLimit(this.pos)) {
        throw new ParseError(`line ${this.line}: a key runs over ${this.maxChars} characters`, {
          line: this.line,
        });
      }
      if (!(await this.fill(this.pos))) {
        throw new ParseError(`line ${this.line}: unexpected end of file inside a string`, {
          line: this.line,
        });
      }
    }
  }

  /**
   * Scans from `pos` to the next `,`, `]` or `}` at depth 0, skipping
   * strings and nested values. Stops early at the end of `buf`, leaving
   * `pos`/`depth`/`line` ready to resume after `fill` (an unfinished
   * string is scanned again from its opening quote).
   *
   * @returns the index of the separator (`pos` is left on it), or -1 when `buf` ran out
   */
  scanToSeparator(): number {
    const buf = this.buf;
    const n = buf.length;
    let depth = this.depth;
    let line = this.line;
    let i = this.pos;
    let found = -1;
    for (; i < n; i++) {
      const c = buf.charCodeAt(i);
      if (c === QUOTE) {
        const end = stringEnd(buf, i);
        if (end === -1) break;
        i = end;
      } else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        if (depth === 0) {
          found = i;
          break;
        }
        depth--;
      } else if (c === COMMA) {
        if (depth === 0) {
          found = i;
          break;
        }
      } else if (c === NEWLINE) line++;
    }
    this.pos = i;
    this.depth = depth;
    this.line = line;
    return found;
  }
}

/**
 * Index of the quote closing the string that opens at `start`, or -1 when
 * `text` ends first. A quote preceded by an odd run of backslashes is escaped.
 */
export function stringEnd(text: string, start: number): number {
  let j = start;
  for (;;) {
    j = text.indexOf('"', j + 1);
    if (j === -1) return -1;
    let k = j - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((j - 1 - k) % 2 === 0) return j;
  }
}

/**
 * Whether `text` nests objects and arrays deeper than `limit` levels
 * (strings skipped; a string left open ends the scan).
 *
 * @returns the index of the bracket that goes one level too deep, or -1
 */
export function nestingBeyond(text: string, limit: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i === -1) return -1;
    } else if (c === 123 || c === 91) {
      if (++depth > limit) return i;
    } else if (c === 125 || c === 93) depth--;
  }
  return -1;
}

/**
 * Guesses the last boundary between two records in `text[from..]`: the
 * comma of the last `}` `,` `{` (whitespace allowed). The guess may be wrong
 * (inside a string or a nested array of objects): the caller must check it,
 * e.g. by parsing the text before it.
 *
 * @returns the index of the comma, or -1
 */
export function lastRecordSeparator(text: string, from: number): number {
  let open = text.length;
  for (let tries = 0; tries < 16; tries++) {
    open = text.lastIndexOf('{', open - 1);
    if (open <= from) return -1;
    let k = open - 1;
    while (k > from && isSpace(text.charCodeAt(k))) k--;
    if (text.charCodeAt(k) === COMMA) {
      let m = k - 1;
      while (m > from && isSpace(text.charCodeAt(m))) m--;
      if (m > from && text.charCodeAt(m) === 125) return k;
    }
  }
  return -1;
}

function isSpace(c: number): boolean {
  return c === 32 || c === NEWLINE || c === 13 || c === 9;
}

/** One element of a stretch of array text: its bounds and 1-based start line. */
export interface ElementSpan {
  readonly start: number;
  readonly end: number;
  readonly line: number;
}

/**
 * Splits the text between two separators of an array (`a, b, c` without the
 * brackets) into its elements. Used on error paths only, to name the record
 * at fault; assumes brackets balance inside the text.
 *
 * @param text - the stretch of array text
 * @param firstLine - line of `text[0]`
 */
export function splitElements(text: string, firstLine: number): ElementSpan[] {
  const spans: ElementSpan[] = [];
  let start = 0;
  let line = firstLine;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? COMMA : text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      i = end === -1 ? text.length - 1 : end;
    } else if (c === 123 || c === 91) {
      i = skipNested(text, i);
    } else if (c === COMMA) {
      const s = skipSpace(text, start, i);
      spans.push({ start: s, end: i, line: line + countChar(text, '\n', start, s) });
      line += countChar(text, '\n', start, i);
      start = i + 1;
    }
  }
  return spans;
}

function skipNested(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const e = stringEnd(text, i);
      if (e === -1) return text.length - 1;
      i = e;
    } else if (c === 123 || c === 91) depth++;
    else if ((c === 125 || c === 93) && --depth === 0) return i;
  }
  return text.length - 1;
}

function skipSpace(text: string, from: number, to: number): number {
  let i = from;
  while (i < to && /\s/.test(text[i]!)) i++;
  return i;
}
