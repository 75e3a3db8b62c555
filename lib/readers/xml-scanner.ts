/**
 * A streaming XML scanner that cuts a document into record elements without
 * building a tree: it walks the tags chunk by chunk (stepping over comments,
 * CDATA sections, processing instructions, the DOCTYPE and quoted attribute
 * values), checks that they nest, and hands over each record's source text.
 * Nothing is expanded here: a DOCTYPE that declares entities is refused.
 *
 * @module
 */
import { ParseError } from '../errors.js';

/** One record element's source text, with the line where it starts. */
export interface RawRecord {
  readonly text: string;
  readonly line: number;
}

/** Options of {@link XmlRecordScanner}. */
export interface ScanOptions {
  /** Tag name of the records, at any depth (the root included); absent: every child element of the root. */
  readonly recordTag?: string;
  /** Longest record (or markup) held in memory before the input is taken as broken. */
  readonly maxRecordChars: number;
}

/**
 * The rest of a tag after its name, up to `>`: attribute values may hold `>`
 * but never `<` (XML forbids it), so a quote left open stops at the next tag.
 */
const TAG_REST = /[^"'<>]*(?:(?:"[^"<]*"|'[^'<]*')[^"'<>]*)*>/y;

/**
 * Deepest element nesting accepted in a document: records sit a few levels
 * down and their fields may nest 64 levels (the flattening's limit), so this
 * leaves room for both. Without it, a million nested tags cost 65 MB of
 * open-tag bookkeeping before any other check could refuse them.
 */
export const MAX_ELEMENT_DEPTH = 256;

/** `#nextNewline` must be searched again. */
const UNKNOWN = -2;

/** Thrown inside the scanner when the buffer ends before the token does. */
const NEED_MORE = Symbol('need more input');

/**
 * Cuts an XML document, fed as consecutive text chunks, into record
 * elements. Feed every chunk with {@link XmlRecordScanner.feed}, then call
 * {@link XmlRecordScanner.finish}.
 *
 * @example
 * ```ts
 * const scanner = new XmlRecordScanner({ maxRecordChars: 1 << 26 });
 * const out: RawRecord[] = [];
 * for await (const chunk of readTextChunks(file)) scanner.feed(chunk, out);
 * scanner.finish();
 * ```
 */
export class XmlRecordScanner {
  readonly #options: ScanOptions;
  #buf = '';
  #pos = 0; // next character to look at
  #line = 1; // line of buf[countedTo]
  #countedTo = 0;
  #nextNewline = UNKNOWN; // first '\n' at or after countedTo, -1 for none in buf
  readonly #names: string[] = []; // open elements
  readonly #lines: number[] = []; // where each open element starts
  #sawRoot = false;
  #ended = false;
  #recordStart = -1; // offset of the open record in buf, or -1
  #recordLine = 0;
  #recordDepth = 0;
  #records = 0; // records completed so far
  #midToken = false; // the last feed stopped inside a tag, waiting for more text
  // Chunks without markup, not yet appended: a long text node costs one concatenation, not one per chunk.
  #pending: string[] = [];
  #pendingChars = 0;

  /** @param options - record tag and size limit */
  constructor(options: ScanOptions) {
    this.#options = options;
  }

  /** Records completed so far. */
  get records(): number {
    return this.#records;
  }

  /**
   * Scans the next chunk of the document and appends the records it
   * completes to `out`.
   *
   * @throws `ParseError` for a DTD with entity declarations, mismatched tags, an attribute
   *   quote left open, markup where it cannot be, or a record longer than the limit
   */
  feed(chunk: string, out: RawRecord[]): void {
    if (!this.#midToken && chunk.indexOf('<') === -1) {
      // Nothing to scan in it: append it later, in one piece (each append and search of a growing
      // string copied it whole, ~50× a long text node's size in memory).
      this.#pending.push(chunk);
      this.#pendingChars += chunk.length;
      if (this.#buf.length + this.#pendingChars > this.#options.maxRecordChars) {
        this.#absorbPending();
        this.#compact();
      }
      return;
    }
    this.#absorbPending();
    // After #compact, the buffer holds only the open record or the pending token.
    const buf = (this.#buf += chunk);
    if (this.#nextNewline === -1) this.#nextNewline = UNKNOWN;
    for (;;) {
      const lt = buf.indexOf('<', this.#pos);
      if (lt === -1) {
        this.#pos = buf.length;
        this.#midToken = false;
        break;
      }
      this.#pos = lt;
      try {
        this.#token(out);
      } catch (err) {
        if (err !== NEED_MORE) throw err;
        this.#pos = lt;
        this.#midToken = true;
        break;
      }
    }
    this.#compact();
  }

  /**
   * Checks that the document ended properly: no tag left open, a root seen.
   *
   * @throws `ParseError` for a truncated document or one without a root element
   */
  finish(): void {
    this.#absorbPending();
    if (this.#buf.indexOf('<', this.#pos) !== -1)
      this.#fail('unexpected end of file inside a tag', this.#pos);
    const depth = this.#names.length;
    if (depth > 0) {
      this.#fail(
        `unexpected end of file: <${this.#names[depth - 1]}> opened at line ${this.#lines[depth - 1]} is not closed`,
        this.#buf.length,
      );
    }
    if (!this.#sawRoot) throw new ParseError('no XML root element found (empty file?)', { line: 1 });
  }

  /** Appends the deferred chunks; they hold no markup, so scanning resumes after them. */
  #absorbPending(): void {
    if (this.#pending.length === 0) return;
    this.#buf += this.#pending.join('');
    this.#pos = this.#buf.length;
    this.#pending = [];
    this.#pendingChars = 0;
  }

  /** Drops what no longer matters: everything before the open record, or before the pending token. */
  #compact(): void {
    const keep = this.#recordStart !== -1 ? this.#recordStart : this.#pos;
    if (keep > 0) {
      this.#lineAt(keep);
      this.#buf = this.#buf.slice(keep);
      this.#pos -= keep;
      this.#countedTo -= keep;
      if (this.#nextNewline >= 0) this.#nextNewline -= keep;
      if (this.#recordStart !== -1) this.#recordStart = 0;
    }
    if (this.#buf.length > this.#options.maxRecordChars) {
      this.#fail(
        `a record or tag runs over ${this.#options.maxRecordChars} characters (a tag or quote left open?)`,
        0,
      );
    }
  }

  /** Line of `buf[index]`, for indexes at or after the last one asked (earlier ones get that line). */
  #lineAt(index: number): number {
    if (index > this.#countedTo) {
      // The next newline is remembered, so that many tags on one line cost one search, not one each.
      let nl = this.#nextNewline === UNKNOWN ? this.#buf.indexOf('\n', this.#countedTo) : this.#nextNewline;
      while (nl !== -1 && nl < index) {
        this.#line++;
        nl = this.#buf.indexOf('\n', nl + 1);
      }
      this.#nextNewline = nl;
      this.#countedTo = index;
    }
    return this.#line;
  }

  #fail(message: string, at: number): never {
    const line = this.#lineAt(at);
    const record = this.#records + 1;
    throw new ParseError(`record ${record}, line ${line}: ${message}`, { record, line });
  }

  #find(needle: string, from: number): number {
    const i = this.#buf.indexOf(needle, from);
    if (i === -1) throw NEED_MORE;
    return i;
  }

  /** Handles the markup at `pos` (buf[pos] === '<'), appending a record that ends there. */
  #token(out: RawRecord[]): void {
    const buf = this.#buf;
    const start = this.#pos;
    const next = buf.charCodeAt(start + 1);
    if (Number.isNaN(next)) throw NEED_MORE;
    if (next === 0x21 /* ! */) return this.#declaration(start);
    if (next === 0x3f /* ? */) {
      this.#pos = this.#find('?>', start + 2) + 2;
      return;
    }
    const closing = next === 0x2f; /* / */
    const nameStart = start + (closing ? 2 : 1);
    let nameEnd = nameStart;
    for (; nameEnd < buf.length; nameEnd++) {
      const c = buf.charCodeAt(nameEnd);
      if (c <= 0x20 || c === 0x2f /* / */ || c === 0x3e /* > */) break;
    }
    if (nameEnd === buf.length) throw NEED_MORE;
    if (nameEnd === nameStart) this.#fail('malformed tag', start);
    TAG_REST.lastIndex = nameEnd;
    if (!TAG_REST.test(buf)) this.#badTag(buf.slice(nameStart, nameEnd), nameEnd, start);
    const end = TAG_REST.lastIndex; // just after '>'
    this.#pos = end;
    const names = this.#names;
    if (closing) {
      const open = names.pop();
      const openLine = this.#lines.pop();
      // Compared in place: closing tags need no string of their own.
      if (open === undefined || open.length !== nameEnd - nameStart || !buf.startsWith(open, nameStart)) {
        const name = buf.slice(nameStart, nameEnd);
        this.#fail(
          open === undefined
            ? `unexpected </${name}>`
            : `</${name}> closes <${open}> opened at line ${openLine}`,
          start,
        );
      }
      if (names.length === 0) this.#ended = true;
      if (this.#recordStart !== -1 && names.length === this.#recordDepth) {
        out.push({ text: buf.slice(this.#recordStart, end), line: this.#recordLine });
        this.#recordStart = -1;
        this.#records++;
      }
      return;
    }
    const name = buf.slice(nameStart, nameEnd);
    if (this.#ended) this.#fail('content after the root element', start);
    const depth = names.length;
    if (depth === 0) this.#sawRoot = true;
    const selfClosing = buf.charCodeAt(end - 2) === 0x2f;
    const tag = this.#options.recordTag;
    if (this.#recordStart === -1 && (tag === undefined ? depth === 1 : name === tag)) {
      if (selfClosing) {
        out.push({ text: buf.slice(start, end), line: this.#lineAt(start) });
        this.#records++;
        return;
      }
      this.#recordStart = start;
      this.#recordLine = this.#lineAt(start);
      this.#recordDepth = depth;
    }
    if (!selfClosing) {
      if (depth >= MAX_ELEMENT_DEPTH) this.#fail(`elements nest over ${MAX_ELEMENT_DEPTH} levels`, start);
      names.push(name);
      this.#lines.push(this.#lineAt(start));
    }
  }

  /** Tells why a tag does not end: the buffer ends first, or a `<` comes before `>`. */
  #badTag(name: string, from: number, start: number): never {
    const buf = this.#buf;
    let quote = 0;
    for (let i = from; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (quote !== 0) {
        if (c === quote) quote = 0;
        else if (c === 0x3c) this.#fail(`attribute value of <${name}> not closed (unbalanced quote)`, start);
      } else if (c === 0x22 || c === 0x27) quote = c;
      else if (c === 0x3c) this.#fail(`tag <${name}> not closed by '>'`, start);
    }
    throw NEED_MORE;
  }

  /** `<!…`: a comment, a CDATA section, or the DOCTYPE before the root. */
  #declaration(start: number): void {
    const buf = this.#buf;
    if (buf.startsWith('<!--', start)) {
      this.#pos = this.#find('-->', start + 4) + 3;
      return;
    }
    if (buf.length < start + 9) throw NEED_MORE;
    if (buf.startsWith('<![CDATA[', start)) {
      if (this.#names.length === 0) this.#fail('CDATA outside the root element', start);
      this.#pos = this.#find(']]>', start + 9) + 3;
      return;
    }
    if (!buf.startsWith('<!DOCTYPE', start) || this.#sawRoot)
      this.#fail('unexpected markup declaration', start);
    let end = this.#find('>', start);
    const subset = buf.indexOf('[', start);
    if (subset !== -1 && subset < end) end = this.#find('>', this.#find(']', subset));
    // Entities are what bombs (billion laughs) and external entities (XXE) need: refuse them all.
    if (/<!ENTITY/i.test(buf.slice(start, end))) {
      this.#fail('DTD entity declarations are refused (no entity expansion, no external entity)', start);
    }
    this.#pos = end + 1;
  }
}
