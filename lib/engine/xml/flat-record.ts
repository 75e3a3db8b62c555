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
   * True when the record has the field names, in the same order, of the last flat record
   * without attributes that had not (the scanner matched it against that one's names).
   */
  same: boolean;
  names: Int32Array;
  values: Int32Array;
  kinds: Uint8Array;
}
