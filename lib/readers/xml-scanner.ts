/**
 * A streaming XML scanner that cuts a document into record elements without
 * building a tree: it walks tags (skipping comments, CDATA, processing
 * instructions and the DOCTYPE), checks that they nest, and hands each
 * record's source text to the caller. Nothing is expanded: a DOCTYPE that
 * declares entities is refused outright.
 *
 * @module
 */
import { ParseError } from '../errors.js';

/** One record element's source text, with the line where it starts. */
export interface RawRecord {
  readonly text: string;
  readonly line: number;
}

/** Options of `scanRecords`. */
export interface ScanOptions {
  /** Tag name of the records; absent: every child element of the root. */
  readonly recordTag?: string;
  /** Longest record kept in memory before the input is taken as broken. */
  readonly maxRecordChars: number;
}

const NAME_END = /[\s/>]/g;

/** Raised inside the scanner when the buffer ends before the token does. */
const NEED_MORE = Symbol('need more input');

/**
 * Yields the record elements of a document given as a stream of text chunks.
 *
 * @throws `ParseError` for a DTD with entity declarations, mismatched or
 *   unclosed tags, an unterminated comment/tag/quote, or a document without a root
 */
export async function* scanRecords(
  chunks: AsyncIterable<string>,
  options: ScanOptions,
): AsyncGenerator<RawRecord> {
  let buf = '';
  let pos = 0; // next character to look at
  let line = 1; // line of buf[countedTo]
  let countedTo = 0;
  const stack: { name: string; line: number }[] = [];
  let sawRoot = false;
  let recordStart = -1;
  let recordLine = 0;
  let recordDepth = 0;
  let ended = false;

  const lineAt = (index: number): number => {
    for (let i = buf.indexOf('\n', countedTo); i !== -1 && i < index; i = buf.indexOf('\n', i + 1)) line++;
    countedTo = Math.max(countedTo, index);
    return line;
  };
  const fail = (message: string, at: number): never => {
    const where = lineAt(at);
    throw new ParseError(`line ${where}: ${message}`, { line: where });
  };
  const find = (needle: string, from: number): number => {
    const i = buf.indexOf(needle, from);
    if (i === -1) throw NEED_MORE;
    return i;
  };

  /** Handles the token at `pos` (buf[pos] === '<'); returns the record that ends there, if any. */
  const token = (): RawRecord | undefined => {
    const start = pos;
    if (buf.startsWith('<!--', start)) {
      pos = find('-->', start + 4) + 3;
      return undefined;
    }
    if (buf.startsWith('<![CDATA[', start)) {
      if (stack.length === 0) fail('CDATA outside the root element', start);
      pos = find(']]>', start + 9) + 3;
      return undefined;
    }
    if (buf.startsWith('<?', start)) {
      pos = find('?>', start + 2) + 2;
      return undefined;
    }
    if (buf.startsWith('<!', start)) {
      if (buf.length < start + 9) throw NEED_MORE;
      if (!buf.startsWith('<!DOCTYPE', start)) fail('unexpected markup declaration', start);
      let end = find('>', start);
      const subset = buf.indexOf('[', start);
      if (subset !== -1 && subset < end) end = find('>', find(']', subset));
      if (/<!ENTITY/i.test(buf.slice(start, end))) {
        fail('DTD entity declarations are refused (no entity expansion, no external entity)', start);
      }
      pos = end + 1;
      return undefined;
    }
    const closing = buf[start + 1] === '/';
    NAME_END.lastIndex = start + (closing ? 2 : 1);
    const nameEnd = NAME_END.exec(buf);
    if (!nameEnd) throw NEED_MORE;
    const name = buf.slice(start + (closing ? 2 : 1), nameEnd.index);
    if (name.length === 0) fail('malformed tag', start);
    // Find the tag's end, stepping over quoted attribute values that may hold '>'.
    let i = nameEnd.index;
    let quote = '';
    for (; ; i++) {
      if (i >= buf.length) throw NEED_MORE;
      const c = buf[i];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '<') fail(`unterminated tag <${name}>`, start);
      else if (c === '>') break;
    }
    pos = i + 1;
    if (closing) {
      const open = stack.pop();
      if (!open || open.name !== name) {
        fail(
          open ? `</${name}> closes <${open.name}> opened at line ${open.line}` : `unexpected </${name}>`,
          start,
        );
      }
      if (stack.length === 0) ended = true;
      if (recordStart !== -1 && stack.length === recordDepth) {
        const record = { text: buf.slice(recordStart, pos), line: recordLine };
        recordStart = -1;
        return record;
      }
      return undefined;
    }
    if (ended) fail('content after the root element', start);
    const selfClosing = buf[i - 1] === '/';
    const isRecord =
      recordStart === -1 &&
      (options.recordTag === undefined ? stack.length === 1 : name === options.recordTag && stack.length > 0);
    if (stack.length === 0) sawRoot = true;
    if (isRecord) {
      if (selfClosing) return { text: buf.slice(start, pos), line: lineAt(start) };
      recordStart = start;
      recordLine = lineAt(start);
      recordDepth = stack.length;
    }
    if (!selfClosing) stack.push({ name, line: lineAt(start) });
    return undefined;
  };

  for await (const chunk of chunks) {
    buf += chunk;
    for (;;) {
      const lt = buf.indexOf('<', pos);
      if (lt === -1) {
        pos = buf.length;
        break;
      }
      pos = lt;
      let record: RawRecord | undefined;
      try {
        record = token();
      } catch (err) {
        if (err !== NEED_MORE) throw err;
        pos = lt;
        break;
      }
      if (record) yield record;
    }
    // Drop what no longer matters: everything before the open record, or before the pending token.
    const keep = recordStart !== -1 ? recordStart : pos;
    if (keep > 0) {
      lineAt(keep);
      buf = buf.slice(keep);
      pos -= keep;
      countedTo -= keep;
      if (recordStart !== -1) recordStart = 0;
    }
    if (buf.length > options.maxRecordChars) {
      fail(`a record or tag runs over ${options.maxRecordChars} characters (unbalanced quote or tag?)`, 0);
    }
  }
  if (pos < buf.length && buf.indexOf('<', pos) !== -1) fail('unexpected end of file inside a tag', pos);
  const open = stack[stack.length - 1];
  if (open)
    fail(`unexpected end of file: <${open.name}> opened at line ${open.line} is not closed`, buf.length);
  if (!sawRoot) throw new ParseError('no XML root element found (empty file?)');
}
