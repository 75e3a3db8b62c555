/**
 * Tiny Parquet files whose metadata lies, written byte by byte (Thrift
 * compact protocol) as an attacker would: no Parquet writer produces them.
 *
 * - {@link lyingRowCount}: one INT32 column, one row group, one 4-byte value,
 *   and a footer declaring `num_rows = 2e9` (132 bytes).
 * - {@link lyingPageValues}: `num_rows = 1`, but the data page declares
 *   `num_values = 4e8`, its definition levels one RLE run of 4e8 ones (136 bytes).
 *
 * Both are the reproductions of issue 12, item 1.
 *
 * @module
 */

/** Thrift compact protocol field types. */
const T = { I32: 5, I64: 6, BINARY: 8, LIST: 9, STRUCT: 12 } as const;

/** One field of a compact struct: its id, its compact type, its encoded value. */
type Field = readonly [id: number, type: number, bytes: readonly number[]];

function varint(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

function int(value: number | bigint): number[] {
  const v = BigInt(value);
  return varint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
}

function text(value: string): number[] {
  const bytes = [...Buffer.from(value, 'utf8')];
  return varint(BigInt(bytes.length)).concat(bytes);
}

function struct(fields: readonly Field[]): number[] {
  const out: number[] = [];
  let last = 0;
  for (const [id, type, bytes] of fields) {
    out.push(((id - last) << 4) | type);
    for (const b of bytes) out.push(b);
    last = id;
  }
  out.push(0);
  return out;
}

function list(type: number, items: readonly (readonly number[])[]): number[] {
  return [(items.length << 4) | type, ...items.flat()];
}

/** Parquet enums used here. */
const INT32 = 1;
const REQUIRED = 0;
const OPTIONAL = 1;
const PLAIN = 0;
const RLE = 3;
const UNCOMPRESSED = 0;

interface Layout {
  /** Declared rows (file and row group). */
  readonly rows: number;
  /** Declared values of the data page. */
  readonly values: number;
  /** Declared values of the column chunk (the footer), default `values`. */
  readonly chunkValues?: number;
  /** The footer's `created_by`, which pads it to the size wanted. */
  readonly createdBy?: string;
  readonly repetition: typeof REQUIRED | typeof OPTIONAL;
  /** The data page's body. */
  readonly body: readonly number[];
}

/** `PAR1`, one data page of one INT32 column `a`, the footer, its length, `PAR1`. */
function parquetFile(layout: Layout): Buffer {
  const pageHeader = struct([
    [1, T.I32, int(0)], // DATA_PAGE
    [2, T.I32, int(layout.body.length)],
    [3, T.I32, int(layout.body.length)],
    [
      5,
      T.STRUCT,
      struct([
        [1, T.I32, int(layout.values)],
        [2, T.I32, int(PLAIN)],
        [3, T.I32, int(RLE)],
        [4, T.I32, int(RLE)],
      ]),
    ],
  ]);
  const chunk = [...pageHeader, ...layout.body];
  const dataOffset = 4;
  const columnMeta = struct([
    [1, T.I32, int(INT32)],
    [2, T.LIST, list(T.I32, [int(PLAIN), int(RLE)])],
    [3, T.LIST, list(T.BINARY, [text('a')])],
    [4, T.I32, int(UNCOMPRESSED)],
    [5, T.I64, int(layout.chunkValues ?? layout.values)],
    [6, T.I64, int(chunk.length)],
    [7, T.I64, int(chunk.length)],
    [9, T.I64, int(dataOffset)],
  ]);
  const footer = struct([
    [1, T.I32, int(1)],
    [
      2,
      T.LIST,
      list(T.STRUCT, [
        struct([
          [4, T.BINARY, text('schema')],
          [5, T.I32, int(1)],
        ]),
        struct([
          [1, T.I32, int(INT32)],
          [3, T.I32, int(layout.repetition)],
          [4, T.BINARY, text('a')],
        ]),
      ]),
    ],
    [3, T.I64, int(layout.rows)],
    [
      4,
      T.LIST,
      list(T.STRUCT, [
        struct([
          [
            1,
            T.LIST,
            list(T.STRUCT, [
              struct([
                [2, T.I64, int(dataOffset)],
                [3, T.STRUCT, columnMeta],
              ]),
            ]),
          ],
          [2, T.I64, int(chunk.length)],
          [3, T.I64, int(layout.rows)],
        ]),
      ]),
    ],
    ...(layout.createdBy !== undefined ? [[6, T.BINARY, text(layout.createdBy)] as const] : []),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(footer.length);
  return Buffer.concat([
    Buffer.from('PAR1'),
    Buffer.from(chunk),
    Buffer.from(footer),
    length,
    Buffer.from('PAR1'),
  ]);
}

/** A 132-byte file: one 4-byte INT32 value, and a footer declaring 2,000,000,000 rows. */
export function lyingRowCount(): Buffer {
  return parquetFile({
    rows: 2e9,
    values: 2e9,
    repetition: REQUIRED,
    body: [7, 0, 0, 0],
    createdBy: 'parquet-cpp version 1',
  });
}

/**
 * The same lie on an optional column: its nulls would take no bytes, so no
 * size bound can refuse the footer, and the reader finds the lie in the page.
 */
export function lyingOptionalRowCount(): Buffer {
  return parquetFile({ rows: 2e9, values: 2e9, repetition: OPTIONAL, body: [2, 0, 0, 0, 3, 1, 7, 0, 0, 0] });
}

/** Definition levels: a 4-byte length, then one RLE run of `count` ones (bit width 1). */
function oneRun(count: number): number[] {
  const levels = [...varint(BigInt(count) << 1n), 1];
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32LE(levels.length);
  return [...prefix, ...levels];
}

/**
 * A 136-byte file of one row (`num_rows = 1`) whose data page and column
 * chunk declare 400,000,000 values: its definition levels are one RLE run of
 * 4e8 ones, then one INT32 value.
 */
export function lyingPageValues(): Buffer {
  return parquetFile({
    rows: 1,
    values: 4e8,
    repetition: OPTIONAL,
    body: [...oneRun(4e8), 7, 0, 0, 0],
    createdBy: 'parquet-cpp version 1.0',
  });
}

/** As {@link lyingPageValues}, but only the page lies: the footer declares one value. */
export function lyingPageOnly(): Buffer {
  return parquetFile({
    rows: 1,
    values: 4e8,
    chunkValues: 1,
    repetition: OPTIONAL,
    body: [...oneRun(4e8), 7, 0, 0, 0],
  });
}

/** A well-formed one-row file whose footer is `footerBytes` long or more (a long `created_by`). */
export function longFooter(footerBytes: number): Buffer {
  return parquetFile({
    rows: 1,
    values: 1,
    repetition: REQUIRED,
    body: [7, 0, 0, 0],
    createdBy: 'x'.repeat(footerBytes),
  });
}
