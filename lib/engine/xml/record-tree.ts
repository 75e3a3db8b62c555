/**
 * The general path of the XML reader: one record's source text parsed into a
 * small tree (elements, attributes, text parts). The record scanner has
 * already checked that its tags nest and its quotes close, so this parser
 * only builds; it is used for the records the scanner's fast path does not
 * take (nesting, repeated or attributed children, mixed content, CDATA).
 *
 * @module
 */
import { cdataText, decodeText } from './entities.js';

/** An element of a record: its attributes (raw values decoded) and children (elements or text parts). */
export interface XmlElement {
  readonly name: string;
  readonly attrs: readonly (readonly [string, string])[];
  readonly kids: (XmlElement | string)[];
}

/**
 * Deepest element nesting inside one record: deeper records are refused, as
 * the flattening of nested JSON objects refuses them (no real table is that deep).
 */
export const MAX_RECORD_NESTING = 64;

/** Names that must never become object keys (the JSON text of repeated elements is built from objects). */
const RESERVED_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Thrown by {@link parseRecordTree} for what a record may not hold; the reader adds the record and line. */
export class RecordRefused extends Error {}

/** Refuses a reserved element or attribute name. */
export function checkName(name: string): string {
  if (RESERVED_NAMES.has(name)) {
    throw new RecordRefused(`the name "${name}" is reserved (it could pollute object prototypes)`);
  }
  return name;
}

const ATTRIBUTE = /([^\s=/>]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'))?/gy;
const SPACE = /\s*/y;

/** Attributes of a start tag, from just after its name to just before `>` or `/>`. */
function parseAttributes(text: string, from: number, to: number): [string, string][] {
  const attrs: [string, string][] = [];
  let i = from;
  while (i < to) {
    SPACE.lastIndex = i;
    SPACE.test(text);
    i = SPACE.lastIndex;
    if (i >= to || text.charCodeAt(i) === 0x2f) break;
    ATTRIBUTE.lastIndex = i;
    const m = ATTRIBUTE.exec(text);
    if (m === null || ATTRIBUTE.lastIndex === i) break;
    i = ATTRIBUTE.lastIndex;
    const raw = m[2] ?? m[3];
    // A name without a value is not XML; like fast-xml-parser, the reader skips it.
    if (raw === undefined) continue;
    const name = checkName(m[1]!);
    const value = decodeText(raw);
    const prior = attrs.findIndex((a) => a[0] === name);
    if (prior === -1) attrs.push([name, value]);
    else attrs[prior]![1] = value;
  }
  return attrs;
}

/** End of a start tag (index of its `>`), skipping `>` inside quoted values. */
function tagEnd(text: string, from: number): number {
  let quote = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) quote = c;
    else if (c === 0x3e) return i;
  }
  return text.length;
}

/**
 * Parses one record element.
 *
 * @param text - the record's source, from its `<` to the end of its closing tag
 * @returns the record element
 * @throws {@link RecordRefused} for a reserved name or nesting over {@link MAX_RECORD_NESTING}
 */
export function parseRecordTree(text: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const textEnd = lt === -1 ? text.length : lt;
    if (textEnd > i && stack.length > 0)
      stack[stack.length - 1]!.kids.push(decodeText(text.slice(i, textEnd)));
    if (lt === -1) break;
    const next = text.charCodeAt(lt + 1);
    if (next === 0x21 /* ! */) {
      if (text.startsWith('<![CDATA[', lt)) {
        const end = text.indexOf(']]>', lt + 9);
        stack[stack.length - 1]?.kids.push(cdataText(text.slice(lt + 9, end)));
        i = end + 3;
      } else i = text.indexOf('-->', lt + 4) + 3; // a comment: the scanner allows no other declaration here
      continue;
    }
    if (next === 0x3f /* ? */) {
      i = text.indexOf('?>', lt + 2) + 2;
      continue;
    }
    const end = tagEnd(text, lt + 1);
    if (next === 0x2f /* / */) {
      stack.pop();
      i = end + 1;
      continue;
    }
    let nameEnd = lt + 1;
    while (nameEnd < end) {
      const c = text.charCodeAt(nameEnd);
      if (c <= 0x20 || c === 0x2f) break;
      nameEnd++;
    }
    const selfClosing = text.charCodeAt(end - 1) === 0x2f;
    const element: XmlElement = {
      name: checkName(text.slice(lt + 1, nameEnd)),
      attrs: parseAttributes(text, nameEnd, selfClosing ? end - 1 : end),
      kids: [],
    };
    if (stack.length === 0) root ??= element;
    else stack[stack.length - 1]!.kids.push(element);
    if (!selfClosing) {
      if (stack.length > MAX_RECORD_NESTING) {
        throw new RecordRefused(`elements nest over ${MAX_RECORD_NESTING} levels inside the record`);
      }
      stack.push(element);
    }
    i = end + 1;
    if (root !== undefined && stack.length === 0) break;
  }
  return root ?? { name: '', attrs: [], kids: [] };
}
