/**
 * The fast path of the fast path: most records of a file have the layout of
 * the one before. The names of the last flat record without attributes are
 * kept, and the next record is matched against them in one pass
 * (`<name>text</name>` or `<name/>` in that order, any of them missing,
 * whitespace between, then the record's closing tag); the record's columns
 * are then those of the template's fields, with no name to look up. A
 * record missing an optional field (a null) matches too, so a file with
 * nulls does not change template at every record. Anything else makes the
 * match fail, and the scanner scans the record the ordinary way (which also
 * tells errors apart).
 *
 * @module
 */
import { FieldKind, type FlatRecord } from './flat-record.js';

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

/** The names of one flat record, to match the next records against. */
export class FlatTemplate {
  #names = new Uint8Array(256); // concatenated
  readonly #ends: Int32Array; // name k is #names[#ends[k]..#ends[k+1])
  #count = 0;
  #id = -1;

  /** @param maxFields - most fields of a flat record */
  constructor(maxFields: number) {
    this.#ends = new Int32Array(maxFields + 1);
  }

  /** Fields of the template; 0 when there is none. */
  get count(): number {
    return this.#count;
  }

  /** Number of the template: it changes with every {@link FlatTemplate.set}. */
  get id(): number {
    return this.#id;
  }

  /** Takes the names of `flat`, ranges of `buf`, as the template (copied: the buffer is reused). */
  set(buf: Uint8Array, flat: FlatRecord): void {
    const { count, names } = flat;
    let size = 0;
    for (let f = 0; f < count; f++) size += names[2 * f + 1]! - names[2 * f]!;
    if (size > this.#names.length) this.#names = new Uint8Array(2 * size);
    const template = this.#names;
    const ends = this.#ends;
    let at = 0;
    for (let f = 0; f < count; f++) {
      for (let i = names[2 * f]!, end = names[2 * f + 1]!; i < end; i++) template[at++] = buf[i]!;
      ends[f + 1] = at;
    }
    this.#count = count;
    this.#id++;
  }

  /** True when `buf[at..]` holds name `k` (the caller checked the length). */
  #name(buf: Uint8Array, at: number, k: number): boolean {
    const template = this.#names;
    const to = this.#ends[k + 1]!;
    for (let i = this.#ends[k]!; i < to; i++, at++) if (buf[at] !== template[i]) return false;
    return true;
  }

  /** True when `buf[at..]` holds name `k` then `>` or `/`, with a byte after it. */
  #field(buf: Uint8Array, at: number, k: number): boolean {
    const len = this.#ends[k + 1]! - this.#ends[k]!;
    if (at + len + 1 >= buf.length || !this.#name(buf, at, k)) return false;
    const c = buf[at + len];
    return c === GT || c === SLASH;
  }

  /**
   * Matches a record's content, from the end of its start tag at `from`,
   * against the template, filling `flat`'s ranges, `slots`, `template` and `templateFields`.
   *
   * @param nameStart - start of the record's name in `buf` (its closing tag must repeat it)
   * @param nameEnd - end of that name
   * @returns the offset after the record, or -1 when anything differs or the buffer ends first
   */
  match(buf: Uint8Array, flat: FlatRecord, from: number, nameStart: number, nameEnd: number): number {
    const length = buf.length;
    const ends = this.#ends;
    const count = this.#count;
    const { names, values, kinds, slots } = flat;
    let p = from;
    let f = 0; // fields matched
    // Template fields before k are passed: each element must be one of the fields from k on.
    for (let k = 0; ; k++) {
      while (p < length && isSpace(buf[p]!)) p++;
      if (p + 1 >= length || buf[p] !== LT) return -1;
      if (buf[p + 1] === SLASH) break; // the record's closing tag, checked below
      const ns = p + 1;
      while (k < count && !this.#field(buf, ns, k)) k++;
      if (k === count) return -1;
      const len = ends[k + 1]! - ends[k]!;
      p = ns + len;
      let vs = 0;
      let ve = 0;
      let kind = FieldKind.Plain;
      if (buf[p] === SLASH) {
        if (buf[p + 1] !== GT) return -1;
        p += 2;
      } else {
        if (buf[p] !== GT) return -1;
        vs = ++p;
        for (; p < length; p++) {
          const c = buf[p]!;
          if (c < 0x3d) {
            if (c === LT) break;
            if (c === 0x26 || c === 0x0d) kind = FieldKind.Decode;
          }
        }
        ve = p;
        if (p + len + 3 > length || buf[p + 1] !== SLASH || !this.#name(buf, p + 2, k)) return -1;
        p += len + 2;
        if (buf[p] !== GT) return -1;
        p++;
      }
      names[2 * f] = ns;
      names[2 * f + 1] = ns + len;
      values[2 * f] = vs;
      values[2 * f + 1] = ve;
      kinds[f] = kind;
      slots[f++] = k;
    }
    const len = nameEnd - nameStart;
    if (p + len + 2 >= length) return -1;
    for (let i = 0; i < len; i++) if (buf[p + 2 + i] !== buf[nameStart + i]) return -1;
    p += len + 2;
    if (buf[p] !== GT) return -1;
    flat.count = f;
    flat.template = this.#id;
    flat.templateFields = count;
    return p + 1;
  }
}
