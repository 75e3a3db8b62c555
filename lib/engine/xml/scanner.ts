/**
 * A streaming XML scanner over UTF-8 bytes that cuts a document into record
 * elements and, for the common flat record (attributes and distinct leaf
 * children holding text), hands over its fields as byte ranges, without
 * making a string. It checks that tags nest (depth limit
 * {@link MAX_ELEMENT_DEPTH}), steps over comments, CDATA, processing
 * instructions and the DOCTYPE, and refuses a DOCTYPE declaring entities.
 * Other records are handed over whole, for the general parser.
 *
 * @module
 */
import { ParseError } from '../../errors.js';
import { FlatTemplate } from './flat-template.js';
import { FieldKind, type FlatRecord } from './flat-record.js';
import { RecordRefused } from './record-tree.js';

/** Deepest element nesting accepted in a document (records a few levels down, their fields up to 64 more). */
export const MAX_ELEMENT_DEPTH = 256;

/** Thrown when the buffer ends before the token (or record) does: feed more and scan again. */
export const NEED_MORE = Symbol('need more input');

/** What the scanner does with each record. */
export interface RecordHandler {
  /**
   * A flat record `buf[start..end)`: its fields are in `record`, ranges of `buf`.
   * Returns true to make the scan stop after this record (the handler has async work to do).
   *
   * @throws `RecordRefused` for what a record may not hold (the scanner names the record and line)
   */
  flat(buf: Uint8Array, record: FlatRecord, start: number, end: number): boolean;
  /** Any other record: `buf[start..end)` is its source. Returns and throws as {@link RecordHandler.flat}. */
  general(buf: Uint8Array, start: number, end: number): boolean;
}

const MAX_FLAT_FIELDS = 1024;
const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

/**
 * Cuts a document fed as consecutive byte buffers into records. Call
 * {@link XmlScanner.scan} on the buffer; it returns how far it got (the
 * caller keeps the rest and appends more bytes), then
 * {@link XmlScanner.finish} at the end.
 */
export class XmlScanner {
  readonly #tag: Uint8Array | undefined;
  readonly #handler: RecordHandler;
  readonly #outer: string[] = []; // open elements outside records
  readonly #outerLines: number[] = [];
  // [nameStart, nameEnd] pairs of the open elements inside the record, `#top` of them used (a typed
  // array with a counter: setting an array's length on every closing tag cost more than the scan).
  readonly #inner = new Int32Array(2 * MAX_ELEMENT_DEPTH + 2);
  #top = 0;
  #sawRoot = false;
  #ended = false;
  #records = 0;
  #paused = false;
  // The names of the last flat record without attributes: the next records are matched against them first.
  readonly #template = new FlatTemplate(MAX_FLAT_FIELDS);
  #inText = false; // the last record scan stopped in text, its elements open
  // Lines: `#line` is the line of byte `#countedTo` of the current buffer.
  #line = 1;
  #countedTo = 0;
  #buf: Uint8Array = new Uint8Array(0);
  readonly #flat: FlatRecord = {
    count: 0,
    attributes: 0,
    template: -1,
    templateFields: 0,
    slots: new Int32Array(MAX_FLAT_FIELDS),
    names: new Int32Array(2 * MAX_FLAT_FIELDS),
    values: new Int32Array(2 * MAX_FLAT_FIELDS),
    kinds: new Uint8Array(MAX_FLAT_FIELDS),
  };

  /**
   * @param recordTag - tag name of the records at any depth; absent: the children of the root
   * @param handler - receives the records
   */
  constructor(recordTag: string | undefined, handler: RecordHandler) {
    this.#tag = recordTag === undefined ? undefined : new TextEncoder().encode(recordTag);
    this.#handler = handler;
  }

  /** Records completed so far. */
  get records(): number {
    return this.#records;
  }

  /**
   * Scans `buf` from `from`, handing over every record it completes.
   *
   * @returns the offset where scanning stopped: the start of an incomplete token or record
   * @throws `ParseError` for malformed XML, entity declarations, nesting over the limit
   */
  scan(buf: Uint8Array, from: number): number {
    this.#buf = buf;
    let pos = from;
    const length = buf.length;
    for (;;) {
      // The next '<' is most often a line end away: a few bytes looked at here cost less than a
      // native indexOf per record; a long stretch of text still goes to indexOf.
      let lt = pos;
      const near = Math.min(length, pos + 16);
      while (lt < near && buf[lt] !== LT) lt++;
      if (lt === near) lt = near === length ? -1 : buf.indexOf(LT, near);
      if (lt === -1) return length;
      try {
        pos = this.#token(lt);
      } catch (err) {
        if (err !== NEED_MORE) throw err;
        return lt;
      }
      if (this.#paused) {
        this.#paused = false;
        return pos;
      }
    }
  }

  /**
   * Drops `count` bytes from the front of the buffer (the caller's compaction): keeps line numbers right.
   * Must be called with the buffer the bytes are dropped from, before the next {@link XmlScanner.scan}.
   */
  dropped(buf: Uint8Array, count: number): void {
    this.#buf = buf;
    this.#lineAt(count);
    this.#countedTo -= count;
  }

  /**
   * Checks that the document ended properly.
   *
   * @param rest - the bytes left unscanned (an incomplete token)
   * @throws `ParseError` for a truncated document or one without a root element
   */
  finish(buf: Uint8Array, rest: number): void {
    this.#buf = buf;
    this.#top = 0;
    if (buf.indexOf(LT, rest) !== -1) {
      // Scan the rest again to tell an open record from a cut tag.
      try {
        this.#token(buf.indexOf(LT, rest));
      } catch (err) {
        if (err !== NEED_MORE) throw err;
      }
      if (this.#top === 0) this.#fail('unexpected end of file inside a tag', rest);
    }
    if (this.#top > 0) {
      const k = this.#top - 2;
      const name = this.#text(this.#inner[k]!, this.#inner[k + 1]!);
      const line = this.#lineAt(this.#inner[k]! - 1);
      this.#fail(`unexpected end of file: <${name}> opened at line ${line} is not closed`, buf.length);
    }
    const depth = this.#outer.length;
    if (depth > 0) {
      this.#fail(
        `unexpected end of file: <${this.#outer[depth - 1]}> opened at line ${this.#outerLines[depth - 1]} is not closed`,
        buf.length,
      );
    }
    if (!this.#sawRoot) throw new ParseError('no XML root element found (empty file?)', { line: 1 });
  }

  #text(start: number, end: number): string {
    return Buffer.from(this.#buf.buffer, this.#buf.byteOffset + start, end - start).toString('utf8');
  }

  /** Line of `buf[index]`. Counting moves forward; an earlier index counts back from the last one. */
  #lineAt(index: number): number {
    const buf = this.#buf;
    if (index >= this.#countedTo) {
      let nl = buf.indexOf(0x0a, this.#countedTo);
      while (nl !== -1 && nl < index) {
        this.#line++;
        nl = buf.indexOf(0x0a, nl + 1);
      }
      this.#countedTo = index;
      return this.#line;
    }
    let line = this.#line;
    for (let i = index; i < this.#countedTo; i++) if (buf[i] === 0x0a) line--;
    return line;
  }

  #fail(message: string, at: number): never {
    const line = this.#lineAt(at);
    const record = this.#records + 1;
    throw new ParseError(`record ${record}, line ${line}: ${message}`, { record, line });
  }

  /** Index of `needle` at or after `from`, or NEED_MORE. */
  #find(needle: string, from: number): number {
    const at = Buffer.from(this.#buf.buffer, this.#buf.byteOffset, this.#buf.length).indexOf(
      needle,
      from,
      'latin1',
    );
    if (at === -1) throw NEED_MORE;
    return at;
  }

  /** End of a tag whose name ends at `from`: the index just after `>`; checks quotes. */
  #tagEnd(from: number, nameStart: number, nameEnd: number, start: number): number {
    const buf = this.#buf;
    let quote = 0;
    for (let i = from, length = buf.length; i < length; i++) {
      const c = buf[i]!;
      if (quote !== 0) {
        if (c === quote) quote = 0;
        else if (c === LT) {
          this.#fail(
            `attribute value of <${this.#text(nameStart, nameEnd)}> not closed (unbalanced quote)`,
            start,
          );
        }
      } else if (c === GT) return i + 1;
      else if (c === 0x22 || c === 0x27) quote = c;
      else if (c === LT) this.#fail(`tag <${this.#text(nameStart, nameEnd)}> not closed by '>'`, start);
    }
    throw NEED_MORE;
  }

  /** The token at `start` (a `<`) outside any record; returns the offset after it. */
  #token(start: number): number {
    const buf = this.#buf;
    if (start + 1 >= buf.length) throw NEED_MORE;
    const next = buf[start + 1]!;
    if (next === 0x21 /* ! */) return this.#declaration(start);
    if (next === 0x3f /* ? */) return this.#find('?>', start + 2) + 2;
    const closing = next === SLASH;
    const nameStart = start + (closing ? 2 : 1);
    let nameEnd = nameStart;
    for (; nameEnd < buf.length; nameEnd++) {
      const c = buf[nameEnd]!;
      if (c <= 0x20 || c === SLASH || c === GT) break;
    }
    if (nameEnd === buf.length) throw NEED_MORE;
    if (nameEnd === nameStart) this.#fail('malformed tag', start);
    const end = buf[nameEnd] === GT ? nameEnd + 1 : this.#tagEnd(nameEnd, nameStart, nameEnd, start);
    const outer = this.#outer;
    if (closing) {
      const name = this.#text(nameStart, nameEnd);
      const open = outer.pop();
      const openLine = this.#outerLines.pop();
      if (open !== name) {
        this.#fail(
          open === undefined
            ? `unexpected </${name}>`
            : `</${name}> closes <${open}> opened at line ${openLine}`,
          start,
        );
      }
      if (outer.length === 0) this.#ended = true;
      return end;
    }
    if (this.#ended) this.#fail('content after the root element', start);
    const depth = outer.length;
    if (depth === 0) this.#sawRoot = true;
    const tag = this.#tag;
    if (tag === undefined ? depth === 1 : this.#named(nameStart, nameEnd, tag)) {
      const recordEnd = this.#record(start, nameStart, nameEnd, end);
      this.#records++;
      if (depth === 0) this.#ended = true;
      return recordEnd;
    }
    if (buf[end - 2] !== SLASH) {
      if (depth >= MAX_ELEMENT_DEPTH) this.#fail(`elements nest over ${MAX_ELEMENT_DEPTH} levels`, start);
      outer.push(this.#text(nameStart, nameEnd));
      this.#outerLines.push(this.#lineAt(start));
    }
    return end;
  }

  #named(start: number, end: number, name: Uint8Array): boolean {
    if (end - start !== name.length) return false;
    const buf = this.#buf;
    for (let i = 0; i < name.length; i++) if (buf[start + i] !== name[i]) return false;
    return true;
  }

  /** `<!…` outside records: a comment, a CDATA section, or the DOCTYPE before the root. */
  #declaration(start: number): number {
    const buf = this.#buf;
    if (this.#startsWith('<!--', start)) return this.#find('-->', start + 4) + 3;
    if (buf.length < start + 9) throw NEED_MORE;
    if (this.#startsWith('<![CDATA[', start)) {
      if (this.#outer.length === 0) this.#fail('CDATA outside the root element', start);
      return this.#find(']]>', start + 9) + 3;
    }
    if (!this.#startsWith('<!DOCTYPE', start) || this.#sawRoot)
      this.#fail('unexpected markup declaration', start);
    let end = this.#find('>', start);
    const subset = buf.indexOf(0x5b /* [ */, start);
    if (subset !== -1 && subset < end) end = this.#find('>', this.#find(']', subset));
    // Entities are what bombs (billion laughs) and external entities (XXE) need: refuse them all.
    if (/<!ENTITY/i.test(this.#text(start, end))) {
      this.#fail('DTD entity declarations are refused (no entity expansion, no external entity)', start);
    }
    return end + 1;
  }

  #startsWith(s: string, at: number): boolean {
    const buf = this.#buf;
    if (at + s.length > buf.length) return false;
    for (let i = 0; i < s.length; i++) if (buf[at + i] !== s.charCodeAt(i)) return false;
    return true;
  }

  /**
   * Scans one record from its start tag (`start`…`tagEnd`), to the end of its
   * closing tag, collecting the fields of a flat record as it goes.
   *
   * @returns the offset just after the record
   */
  #record(start: number, nameStart: number, nameEnd: number, tagEnd: number): number {
    const buf = this.#buf;
    const flat = this.#flat;
    const inner = this.#inner;
    let top = 0;
    this.#top = 0;
    this.#inText = false;
    flat.count = 0;
    flat.template = -1;
    let simple = this.#attributes(nameEnd, buf[tagEnd - 2] === SLASH ? tagEnd - 2 : tagEnd - 1);
    flat.attributes = flat.count;
    if (buf[tagEnd - 2] === SLASH) {
      this.#deliver(simple, start, tagEnd);
      return tagEnd;
    }
    const base = this.#outer.length; // depth of the record element
    if (base >= MAX_ELEMENT_DEPTH) this.#fail(`elements nest over ${MAX_ELEMENT_DEPTH} levels`, start);
    if (simple && flat.count === 0 && this.#template.count > 0 && base + 1 < MAX_ELEMENT_DEPTH) {
      const end = this.#template.match(buf, flat, tagEnd, nameStart, nameEnd);
      if (end !== -1) {
        this.#deliver(true, start, end);
        return end;
      }
    }
    inner[top++] = nameStart;
    inner[top++] = nameEnd;
    let pos = tagEnd;
    let field = -1; // the flat field whose element is open
    const length = buf.length;
    try {
      for (;;) {
        // A loop, not indexOf: the next '<' is a few bytes away and a native call costs more.
        let lt = pos;
        // One pass finds the '<' and notes whether the text needs decoding ('&', CR); all three
        // are below '=', so most bytes cost one comparison.
        let decode = false;
        for (; lt < length; lt++) {
          const c = buf[lt]!;
          if (c < 0x3d) {
            if (c === LT) break;
            if (c === 0x26 || c === 0x0d) decode = true;
          }
        }
        if (lt === length) {
          this.#inText = true; // at end of file: the open elements are the ones not closed
          throw NEED_MORE;
        }
        if (simple && lt > pos) {
          // Text: a leaf's value, or whitespace between the record's children.
          if (field !== -1 && top === 4) {
            flat.values[2 * field] = pos;
            flat.values[2 * field + 1] = lt;
            if (decode) flat.kinds[field] = FieldKind.Decode;
          } else if (top === 2) {
            for (let i = pos; i < lt; i++) if (!isSpace(buf[i]!)) simple = false;
          }
        }
        if (lt + 1 >= length) throw NEED_MORE;
        const next = buf[lt + 1]!;
        if (next === 0x21 /* ! */) {
          simple = false;
          if (this.#startsWith('<!--', lt)) pos = this.#find('-->', lt + 4) + 3;
          else if (buf.length < lt + 9) throw NEED_MORE;
          else if (this.#startsWith('<![CDATA[', lt)) pos = this.#find(']]>', lt + 9) + 3;
          else this.#fail('unexpected markup declaration', lt);
          continue;
        }
        if (next === 0x3f /* ? */) {
          simple = false;
          pos = this.#find('?>', lt + 2) + 2;
          continue;
        }
        const closing = next === SLASH;
        const ns = lt + (closing ? 2 : 1);
        if (closing && top > 0) {
          // The common closing tag: the open element's name, then '>' — checked in one pass.
          const os = inner[top - 2]!;
          const len = inner[top - 1]! - os;
          let i = 0;
          if (ns + len < length) while (i < len && buf[ns + i] === buf[os + i]) i++;
          if (i === len && ns + len < length && buf[ns + len] === GT) {
            pos = ns + len + 1;
            top -= 2;
            if (top === 0) break;
            if (top === 2) field = -1;
            continue;
          }
        }
        let ne = ns;
        for (; ne < length; ne++) {
          const c = buf[ne]!;
          if (c <= 0x20 || c === SLASH || c === GT) break;
        }
        if (ne === length) throw NEED_MORE;
        if (ne === ns) this.#fail('malformed tag', lt);
        // A tag without attributes ends right after its name.
        const end = buf[ne] === GT ? ne + 1 : this.#tagEnd(ne, ns, ne, lt);
        pos = end;
        if (closing) {
          const k = top - 2;
          const os = inner[k]!;
          const oe = inner[k + 1]!;
          let same = oe - os === ne - ns;
          for (let i = 0; same && i < ne - ns; i++) same = buf[os + i] === buf[ns + i];
          if (!same) {
            this.#fail(
              `</${this.#text(ns, ne)}> closes <${this.#text(os, oe)}> opened at line ${this.#lineAt(os - 1)}`,
              lt,
            );
          }
          top = k;
          if (k === 0) break;
          if (k === 2) field = -1;
          continue;
        }
        const selfClosing = buf[end - 2] === SLASH;
        if (simple) {
          // Only leaf children without attributes are flat.
          const depth = top;
          if (depth !== 2 || flat.count === MAX_FLAT_FIELDS) simple = false;
          else {
            for (let i = ne; i < end - 1 - (selfClosing ? 1 : 0); i++) if (!isSpace(buf[i]!)) simple = false;
            if (simple) {
              const f = flat.count++;
              flat.names[2 * f] = ns;
              flat.names[2 * f + 1] = ne;
              flat.values[2 * f] = flat.values[2 * f + 1] = 0;
              flat.kinds[f] = FieldKind.Plain;
              field = selfClosing ? -1 : f;
            }
          }
        }
        if (!selfClosing) {
          if (base + top / 2 >= MAX_ELEMENT_DEPTH) {
            this.#fail(`elements nest over ${MAX_ELEMENT_DEPTH} levels`, lt);
          }
          inner[top++] = ns;
          inner[top++] = ne;
        }
      }
    } catch (err) {
      // At end of file in text, finish() names the innermost element left open.
      this.#top = this.#inText ? top : 0;
      throw err;
    }
    if (simple && flat.attributes === 0 && flat.count > 0) {
      // The next records are matched against this one's names; the handler learns their columns now.
      this.#template.set(buf, flat);
      flat.template = this.#template.id;
      flat.templateFields = flat.count;
      for (let f = 0; f < flat.count; f++) flat.slots[f] = f;
    }
    this.#deliver(simple, start, pos);
    return pos;
  }

  #deliver(simple: boolean, start: number, end: number): void {
    try {
      this.#paused = simple
        ? this.#handler.flat(this.#buf, this.#flat, start, end)
        : this.#handler.general(this.#buf, start, end);
    } catch (err) {
      if (err instanceof RecordRefused) this.#fail(err.message, start);
      throw err;
    }
  }

  /**
   * Throws the `ParseError` of the next record at `buf[at]` (the caller's
   * checks: a record over the size limit, invalid UTF-8).
   */
  fail(buf: Uint8Array, message: string, at: number): never {
    this.#buf = buf;
    this.#fail(message, at);
  }

  /** Line of `buf[index]` (see {@link XmlScanner.dropped}). */
  lineAt(buf: Uint8Array, index: number): number {
    this.#buf = buf;
    return this.#lineAt(index);
  }

  /** Collects the attributes of a record's start tag; false when they are not flat (a name without value). */
  #attributes(from: number, to: number): boolean {
    const buf = this.#buf;
    const flat = this.#flat;
    let i = from;
    for (;;) {
      while (i < to && isSpace(buf[i]!)) i++;
      if (i >= to) return true;
      const ns = i;
      while (i < to && buf[i] !== 0x3d /* = */ && !isSpace(buf[i]!)) i++;
      const ne = i;
      while (i < to && isSpace(buf[i]!)) i++;
      if (buf[i] !== 0x3d || flat.count === MAX_FLAT_FIELDS) return false;
      i++;
      while (i < to && isSpace(buf[i]!)) i++;
      const quote = buf[i];
      if (quote !== 0x22 && quote !== 0x27) return false;
      const vs = ++i;
      while (i < to && buf[i] !== quote) i++;
      const ve = i++;
      // xmlns declarations are markup, not data.
      if (ne - ns >= 5 && this.#startsWith('xmlns', ns) && (ne - ns === 5 || buf[ns + 5] === 0x3a)) continue;
      const f = flat.count++;
      flat.names[2 * f] = ns;
      flat.names[2 * f + 1] = ne;
      flat.values[2 * f] = vs;
      flat.values[2 * f + 1] = ve;
      let kind = FieldKind.Plain;
      for (let k = vs; k < ve; k++) if (buf[k] === 0x26 || buf[k] === 0x0d) kind = FieldKind.Decode;
      flat.kinds[f] = kind;
    }
  }
}
