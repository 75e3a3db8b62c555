/**
 * A Parquet file's footer checked against the file itself before any row is
 * read: a footer is what the file *says*, and a 132-byte file may say it holds
 * two billion rows. Every declared size and offset must fit in the bytes the
 * file really has, and the counts must agree with each other, or the input is
 * a `parse_error` — decided from the metadata alone, before a reader sizes
 * anything from it.
 *
 * @module
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { open } from 'node:fs/promises';
import { ParseError } from '../errors.js';
import { Params, rowsWith } from './sql.js';

/** `PAR1`, at both ends of every Parquet file. */
const MAGIC = 'PAR1';

/** Bytes a value of a fixed-width physical type takes when PLAIN-encoded. */
const PLAIN_WIDTH: Readonly<Record<string, number>> = {
  INT32: 4,
  INT64: 8,
  INT96: 12,
  FLOAT: 4,
  DOUBLE: 8,
};

/** Encodings a chunk may list and still be all PLAIN data (the others are the levels'). */
const LEVEL_OR_PLAIN = new Set(['PLAIN', 'RLE', 'BIT_PACKED']);

/** Where a file's footer lies. */
export interface FooterPlace {
  /** The file's size in bytes. */
  readonly fileBytes: number;
  /** The footer's length in bytes, as the file's last 8 bytes declare it. */
  readonly footerBytes: number;
}

function notParquet(reason: string): ParseError {
  return new ParseError(`not a readable Parquet file: ${reason}`);
}

/**
 * Reads the file's last 8 bytes (the footer's length and the magic) and the
 * first 4, and checks that the declared footer fits in the file.
 *
 * @param file - absolute host path
 * @returns the file's and the footer's sizes
 * @throws `ParseError` for a file too short, without the magic, or whose footer is longer than the file
 */
export async function footerPlace(file: string): Promise<FooterPlace> {
  const handle = await open(file, 'r');
  try {
    const fileBytes = (await handle.stat()).size;
    if (fileBytes < 12) throw notParquet(`${fileBytes} bytes is too short`);
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(8);
    await handle.read(head, 0, 4, 0);
    await handle.read(tail, 0, 8, fileBytes - 8);
    if (head.toString('latin1') !== MAGIC || tail.toString('latin1', 4) !== MAGIC) {
      throw notParquet('no PAR1 magic bytes');
    }
    const footerBytes = tail.readUInt32LE(0);
    if (footerBytes + 12 > fileBytes) {
      throw notParquet(
        `the footer declares ${footerBytes} bytes, more than the ${fileBytes}-byte file holds`,
      );
    }
    return { fileBytes, footerBytes };
  } finally {
    await handle.close();
  }
}

/** One column chunk, as DuckDB's `parquet_metadata` reports it. */
interface Chunk {
  readonly rowGroup: number;
  readonly rowGroupRows: bigint;
  readonly path: string;
  readonly type: string;
  readonly values: bigint;
  readonly encodings: readonly string[];
  readonly dataOffset: bigint;
  readonly dictionaryOffset: bigint | null;
  readonly compressedBytes: bigint;
  readonly uncompressedBytes: bigint;
}

function big(value: unknown): bigint {
  return typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value ?? 0)));
}

async function chunksOf(connection: DuckDBConnection, file: string): Promise<Chunk[]> {
  const params = new Params();
  const rows = await rowsWith(
    connection,
    `SELECT row_group_id, row_group_num_rows, path_in_schema, type, num_values, encodings,
            data_page_offset, dictionary_page_offset, total_compressed_size, total_uncompressed_size
     FROM parquet_metadata(${params.text(file)})`,
    params,
  );
  return rows.map((r) => ({
    rowGroup: Number(r[0]),
    rowGroupRows: big(r[1]),
    path: String(r[2]),
    type: String(r[3]),
    values: big(r[4]),
    encodings: String(r[5] ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== ''),
    dataOffset: big(r[6]),
    dictionaryOffset: r[7] === null || r[7] === undefined ? null : big(r[7]),
    compressedBytes: big(r[8]),
    uncompressedBytes: big(r[9]),
  }));
}

/** How a leaf column repeats, by its path as `parquet_metadata` writes it (`a, b, c`). */
interface Leaf {
  /** Inside a repeated field (a list or map): a row may hold many values, or one null. */
  readonly repeated: boolean;
  /** Required itself and all its ancestors: every row holds exactly one value. */
  readonly required: boolean;
}

async function leavesOf(connection: DuckDBConnection, file: string): Promise<Map<string, Leaf>> {
  const params = new Params();
  const rows = await rowsWith(
    connection,
    `SELECT name, repetition_type, num_children FROM parquet_schema(${params.text(file)})`,
    params,
  );
  // The schema is a depth-first list: the root, then each field followed by its children.
  const leaves = new Map<string, Leaf>();
  const stack: { path: string[]; left: number; repeated: boolean; required: boolean }[] = [];
  rows.forEach((row, i) => {
    const children = Number(row[2] ?? 0);
    const repetition = String(row[1] ?? 'REQUIRED');
    const parent = stack[stack.length - 1];
    const entry = {
      path: i === 0 ? [] : [...(parent?.path ?? []), String(row[0])],
      left: children,
      repeated: (parent?.repeated ?? false) || repetition === 'REPEATED',
      required: (parent?.required ?? true) && repetition === 'REQUIRED',
    };
    if (parent) parent.left--;
    if (children > 0) stack.push(entry);
    else if (i > 0) leaves.set(entry.path.join(', '), { repeated: entry.repeated, required: entry.required });
    while (stack.length > 0 && stack[stack.length - 1]!.left === 0) stack.pop();
  });
  return leaves;
}

/**
 * Checks a Parquet file's metadata against its real size, before any row is
 * read: the footer fits in the file; every column chunk's pages lie between
 * the leading magic and the footer; the row groups' rows add up to the
 * file's; a chunk holds at least one value per row of its row group, and
 * exactly one for a column outside any list; and a required fixed-width
 * column stored PLAIN has the bytes its declared values need.
 *
 * @param connection - a DuckDB connection (its reader parses the footer's Thrift)
 * @param file - absolute host path
 * @returns the file's declared row count, now known to be consistent
 * @throws `ParseError` naming the first lie found
 */
export async function checkParquetFooter(connection: DuckDBConnection, file: string): Promise<number> {
  const place = await footerPlace(file);
  const dataEnd = BigInt(place.fileBytes - place.footerBytes - 8);
  const fileParams = new Params();
  const meta = await rowsWith(
    connection,
    `SELECT num_rows FROM parquet_file_metadata(${fileParams.text(file)})`,
    fileParams,
  );
  const declaredRows = big(meta[0]?.[0]);
  const chunks = await chunksOf(connection, file);
  const leaves = await leavesOf(connection, file);
  const groupRows = new Map<number, bigint>();
  for (const chunk of chunks) {
    groupRows.set(chunk.rowGroup, chunk.rowGroupRows);
    const where = `row group ${chunk.rowGroup}, column ${JSON.stringify(chunk.path)}`;
    const start =
      chunk.dictionaryOffset !== null &&
      chunk.dictionaryOffset > 0n &&
      chunk.dictionaryOffset < chunk.dataOffset
        ? chunk.dictionaryOffset
        : chunk.dataOffset;
    if (start < 4n || chunk.compressedBytes < 0n || start + chunk.compressedBytes > dataEnd) {
      throw notParquet(
        `${where}: its pages are declared at bytes ${start}–${start + chunk.compressedBytes}, ` +
          `outside the file's ${dataEnd} bytes of data`,
      );
    }
    const leaf = leaves.get(chunk.path);
    if (leaf === undefined) throw notParquet(`${where}: the column is not in the file's schema`);
    if (chunk.values < chunk.rowGroupRows || (!leaf.repeated && chunk.values !== chunk.rowGroupRows)) {
      throw notParquet(`${where}: declares ${chunk.values} values for ${chunk.rowGroupRows} rows`);
    }
    const width = PLAIN_WIDTH[chunk.type];
    if (
      width !== undefined &&
      leaf.required &&
      !leaf.repeated &&
      chunk.encodings.every((e) => LEVEL_OR_PLAIN.has(e)) &&
      chunk.values * BigInt(width) > chunk.uncompressedBytes
    ) {
      throw notParquet(
        `${where}: ${chunk.values} PLAIN ${chunk.type} values cannot fit in ${chunk.uncompressedBytes} bytes`,
      );
    }
  }
  const total = [...groupRows.values()].reduce((a, b) => a + b, 0n);
  if (total !== declaredRows) {
    throw notParquet(`the footer declares ${declaredRows} rows but its row groups hold ${total}`);
  }
  return Number(declaredRows);
}
