/**
 * The fields of a flat record (attributes and leaf children) as the scanner
 * hands them over: ranges of its buffer, no string made.
 *
 * @module
 */

/** Field kinds of a flat record, in {@link FlatRecord.kinds}. */
export const enum FieldKind {
  /** Raw bytes are the value (empty: null). */
  Plain = 0,
  /** The bytes hold `&` or CR: decode them. */
  Decode = 1,
}

/**
 * The fields of a flat record as ranges of the scanner's buffer, valid until
 * the next scan: field `i` has name `[names[2i], names[2i+1])` and value
 * `[values[2i], values[2i+1])`. Attributes come first (`attributes` of them).
 */
export interface FlatRecord {
  count: number;
  attributes: number;
  /**
   * The template the fields are matched to (see `FlatTemplate`), -1 for none: field `i` then has
   * the name of the template's field `slots[i]`. Templates are numbered in the order they are
   * set, so a number names one set of names for good.
   */
  template: number;
  /** Field count of that template (a record may lack some of its fields). */
  templateFields: number;
  /** Template field of each field, increasing (valid when `template` is not -1). */
  slots: Int32Array;
  names: Int32Array;
  values: Int32Array;
  kinds: Uint8Array;
}
