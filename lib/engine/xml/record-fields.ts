/**
 * The fields of an XML record parsed by `parseRecordTree` (record-tree.ts): attributes,
 * child elements flattened to dotted names, repeated elements as JSON array
 * text, all as raw text (empty text is null).
 *
 * @module
 */
import type { XmlElement } from './record-tree.js';

/** One field of a record: its column name and cell (null for empty or missing text). */
export type Field = [name: string, value: string | null];

/** Key of an element's text in the JSON objects of repeated elements. */
const TEXT = '#text';

/** Namespace declarations are markup, not data. */
const isNamespaceDeclaration = (attr: string): boolean =>
  attr.startsWith('xmlns') && (attr.length === 5 || attr.charCodeAt(5) === 0x3a);

const cell = (text: string): string | null => (text === '' ? null : text);

/** The text parts of an element joined, or undefined when it has none. */
function textOf(kids: readonly (XmlElement | string)[]): string | undefined {
  let text: string | undefined;
  for (const kid of kids) if (typeof kid === 'string') text = text === undefined ? kid : text + kid;
  return text;
}

/** Element counts by name, or undefined when there is no element child. */
function countsOf(kids: readonly (XmlElement | string)[]): Map<string, number> | undefined {
  let counts: Map<string, number> | undefined;
  for (const kid of kids) {
    if (typeof kid === 'string') continue;
    counts ??= new Map();
    counts.set(kid.name, (counts.get(kid.name) ?? 0) + 1);
  }
  return counts;
}

/**
 * The fields of one record element, in document order: its attributes
 * (an attribute named like a child element, or like the record's own text
 * column, becomes `@name`; `xmlns` declarations are skipped), its own text
 * under its tag name when not only whitespace, then its children.
 *
 * @example
 * ```ts
 * // <row id="1"><name>Zoë</name><address><city>Lyon</city></address><tag>a</tag><tag>b</tag></row>
 * recordFields(parseRecordTree(text));
 * // [['id', '1'], ['name', 'Zoë'], ['address.city', 'Lyon'], ['tag', '["a","b"]']]
 * ```
 */
export function recordFields(record: XmlElement): Field[] {
  const out: Field[] = [];
  const counts = countsOf(record.kids);
  const text = textOf(record.kids);
  const textColumn = text !== undefined && text.trim() !== '' ? record.name : undefined;
  for (const [attr, value] of record.attrs) {
    if (isNamespaceDeclaration(attr)) continue;
    const clash = attr === textColumn || (counts !== undefined && counts.has(attr));
    out.push([clash ? `@${attr}` : attr, cell(value)]);
  }
  if (textColumn !== undefined) out.push([textColumn, cell(text!)]);
  if (counts) children(record.kids, '', counts, out);
  return out;
}

/** Emits the element children of a node under `prefix` (`''` for a record). */
function children(
  kids: readonly (XmlElement | string)[],
  prefix: string,
  counts: ReadonlyMap<string, number>,
  out: Field[],
): void {
  let repeated: Map<string, { slot: number; values: unknown[] }> | undefined;
  for (const kid of kids) {
    if (typeof kid === 'string') continue;
    const column = prefix === '' ? kid.name : `${prefix}.${kid.name}`;
    if (counts.get(kid.name) === 1) {
      element(kid, column, out);
      continue;
    }
    repeated ??= new Map();
    let list = repeated.get(column);
    if (list === undefined) {
      repeated.set(column, (list = { slot: out.length, values: [] }));
      out.push([column, null]); // placeholder: keeps the first-seen column order
    }
    list.values.push(plain(kid));
  }
  if (repeated) for (const { slot, values } of repeated.values()) out[slot]![1] = JSON.stringify(values);
}

/** Emits one non-repeated element: its attributes under `column.`, its text under `column`, its children. */
function element(node: XmlElement, column: string, out: Field[]): void {
  for (const [attr, value] of node.attrs) out.push([`${column}.${attr}`, cell(value)]);
  const counts = countsOf(node.kids);
  const text = textOf(node.kids) ?? '';
  if (!counts) {
    out.push([column, cell(text)]);
    return;
  }
  // Mixed content: text beside child elements is kept unless it is only indentation.
  if (text.trim() !== '') out.push([column, cell(text)]);
  children(node.kids, column, counts, out);
}

/** A repeated element as a JSON value: its text, or an object of its attributes and children. */
function plain(node: XmlElement): unknown {
  const counts = countsOf(node.kids);
  const text = textOf(node.kids) ?? '';
  if (!counts && node.attrs.length === 0) return cell(text);
  // No prototype: element names are data, never inherited properties.
  const out = Object.create(null) as Record<string, unknown>;
  for (const [attr, value] of node.attrs) out[attr] = cell(value);
  if (text.trim() !== '' || !counts) out[TEXT] = cell(text);
  for (const kid of node.kids) {
    if (typeof kid === 'string') continue;
    const value = plain(kid);
    const prior = out[kid.name];
    if (prior === undefined) out[kid.name] = counts!.get(kid.name)! > 1 ? [value] : value;
    else (prior as unknown[]).push(value);
  }
  return out;
}
