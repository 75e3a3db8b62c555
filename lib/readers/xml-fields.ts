/**
 * The fields of an XML record, from fast-xml-parser's `preserveOrder` tree:
 * attributes, child elements flattened to dotted names, repeated elements as
 * JSON array text, all as raw text with the null markers applied.
 *
 * @module
 */
import type { Scalar } from '../types.js';

/** Key of text nodes (CDATA sections included) in fast-xml-parser's output. */
export const TEXT = '#text';
const ATTRS = ':@';

/** A node of fast-xml-parser's `preserveOrder` output: `{ tag: children, ':@': attributes }` or `{ '#text': text }`. */
export interface OrderedNode {
  [name: string]: OrderedNode[] | string | Record<string, string> | undefined;
}

/** The tag name of a node (its first key: fast-xml-parser puts the attributes after it). */
export function nameOf(node: OrderedNode): string {
  for (const key in node) return key;
  return TEXT;
}

/** The children of an element node whose tag is `name` (see {@link nameOf}). */
export const childrenOf = (node: OrderedNode, name: string): OrderedNode[] => node[name] as OrderedNode[];
const attributesOf = (node: OrderedNode): Record<string, string> | undefined =>
  node[ATTRS] as Record<string, string> | undefined;
/** Namespace declarations are markup, not data. */
const isNamespaceDeclaration = (attr: string): boolean =>
  attr.startsWith('xmlns') && (attr.length === 5 || attr.charCodeAt(5) === 0x3a);

/** Element counts of a node whose element children all have distinct names. */
const ALL_DISTINCT: ReadonlyMap<string, number> = new Map();

/**
 * Turns parsed records into `[column, cell]` pairs. One instance per pass:
 * it reuses its pair arrays, so a record costs no allocation beyond its cells.
 *
 * @example
 * ```ts
 * // <row id="1"><name>Zoë</name><address><city>Lyon</city></address><tag>a</tag><tag>b</tag></row>
 * new RecordFlattener(new Set([''])).record(node);
 * // [['id', '1'], ['name', 'Zoë'], ['address.city', 'Lyon'], ['tag', '["a","b"]']]
 * ```
 */
export class RecordFlattener {
  readonly #nulls: ReadonlySet<string>;
  readonly #pool: [string, Scalar][] = [];
  readonly #out: [string, Scalar][] = [];
  #n = 0;
  readonly #seen = new Set<string>();
  /** Text parts found by the last {@link RecordFlattener.#survey}, joined. */
  #text: string | undefined;

  /** @param nulls - texts read as null (`null_values`); empty text is always null */
  constructor(nulls: ReadonlySet<string>) {
    this.#nulls = nulls;
  }

  /**
   * The fields of one record element, in document order (attributes first).
   *
   * @param node - a record element of fast-xml-parser's `preserveOrder` output
   * @returns the pairs, valid until the next call (they are reused)
   */
  record(node: OrderedNode): [string, Scalar][] {
    this.#n = 0;
    const tag = nameOf(node);
    const kids = childrenOf(node, tag);
    const counts = this.#survey(kids);
    // The record's own text (a record such as <tag>x</tag>) goes under its tag name.
    const text = this.#text;
    const textColumn = text !== undefined && text.trim() !== '' ? tag : undefined;
    const attrs = attributesOf(node);
    if (attrs) {
      for (const attr in attrs) {
        if (isNamespaceDeclaration(attr)) continue;
        // An attribute named like a child element (or the text) keeps an '@' so neither is lost.
        const clash = attr === textColumn || (counts !== undefined && hasElement(kids, attr));
        this.#emit(clash ? `@${attr}` : attr, this.#cell(attrs[attr]!));
      }
    }
    if (textColumn !== undefined) this.#emit(textColumn, this.#cell(text!));
    if (counts) this.#children(kids, '', counts);
    const out = this.#out;
    out.length = this.#n;
    return out;
  }

  /**
   * Looks at the children of a node: sets `#text` to their text parts joined
   * (text and CDATA), and returns undefined when there is no element child,
   * {@link ALL_DISTINCT} when their names are distinct, else their counts.
   */
  #survey(kids: readonly OrderedNode[]): ReadonlyMap<string, number> | undefined {
    const seen = this.#seen;
    seen.clear();
    let text: string | undefined;
    let elements = 0;
    for (const kid of kids) {
      const name = nameOf(kid);
      if (name === TEXT) text = text === undefined ? textOf(kid) : text + textOf(kid);
      else {
        elements++;
        seen.add(name);
      }
    }
    this.#text = text;
    if (elements === 0) return undefined;
    if (seen.size === elements) return ALL_DISTINCT;
    const counts = new Map<string, number>();
    for (const kid of kids) {
      const name = nameOf(kid);
      if (name !== TEXT) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return counts;
  }

  #emit(name: string, value: Scalar): void {
    let pair = this.#pool[this.#n];
    if (pair === undefined) this.#pool.push((pair = ['', null]));
    pair[0] = name;
    pair[1] = value;
    this.#out[this.#n++] = pair;
  }

  /** Raw text as a cell: empty text and the null markers are null. */
  #cell(text: string): Scalar {
    return text === '' || this.#nulls.has(text) ? null : text;
  }

  /** Emits the element children of a node, under `prefix` (`''` for a record). */
  #children(kids: readonly OrderedNode[], prefix: string, counts: ReadonlyMap<string, number>): void {
    let repeated: Map<string, { slot: number; values: unknown[] }> | undefined;
    for (const kid of kids) {
      const name = nameOf(kid);
      if (name === TEXT) continue;
      const column = prefix === '' ? name : `${prefix}.${name}`;
      if ((counts.get(name) ?? 1) === 1) {
        this.#element(kid, name, column);
        continue;
      }
      repeated ??= new Map();
      let list = repeated.get(column);
      if (list === undefined) {
        repeated.set(column, (list = { slot: this.#n, values: [] }));
        this.#emit(column, null); // placeholder: keeps the first-seen column order
      }
      list.values.push(this.#plain(kid, name));
    }
    if (repeated)
      for (const { slot, values } of repeated.values()) this.#out[slot]![1] = JSON.stringify(values);
  }

  /** Emits one non-repeated element: its text under `column`, its attributes and children under `column.`. */
  #element(node: OrderedNode, name: string, column: string): void {
    const kids = childrenOf(node, name);
    const attrs = attributesOf(node);
    if (attrs) for (const attr in attrs) this.#emit(`${column}.${attr}`, this.#cell(attrs[attr]!));
    // Fast path: a leaf holding one text node, or nothing.
    if (kids.length === 0) return this.#emit(column, null);
    if (kids.length === 1 && nameOf(kids[0]!) === TEXT)
      return this.#emit(column, this.#cell(textOf(kids[0]!)));
    const counts = this.#survey(kids);
    const text = this.#text ?? '';
    if (!counts) return this.#emit(column, this.#cell(text));
    // Mixed content: text beside child elements is kept unless it is only indentation.
    if (text.trim() !== '') this.#emit(column, this.#cell(text));
    this.#children(kids, column, counts);
  }

  /** A repeated element as a JSON value: its text, or an object of its attributes and children. */
  #plain(node: OrderedNode, name: string): unknown {
    const kids = childrenOf(node, name);
    const attrs = attributesOf(node);
    const counts = this.#survey(kids);
    const text = this.#text ?? '';
    if (!counts && !attrs) return this.#cell(text);
    const out: Record<string, unknown> = {};
    if (attrs) for (const attr in attrs) out[attr] = this.#cell(attrs[attr]!);
    if (text.trim() !== '' || !counts) out[TEXT] = this.#cell(text);
    for (const kid of kids) {
      const kidName = nameOf(kid);
      if (kidName === TEXT) continue;
      const value = this.#plain(kid, kidName);
      const prior = out[kidName];
      if (prior === undefined) out[kidName] = (counts!.get(kidName) ?? 1) > 1 ? [value] : value;
      else (prior as unknown[]).push(value);
    }
    return out;
  }
}

const textOf = (node: OrderedNode): string => node[TEXT] as string;

/** True when one of `kids` is an element named `name`. */
function hasElement(kids: readonly OrderedNode[], name: string): boolean {
  for (const kid of kids) if (nameOf(kid) === name) return true;
  return false;
}
