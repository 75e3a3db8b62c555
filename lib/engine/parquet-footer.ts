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

/** One element of the file's schema, as DuckDB's `parquet_schema` reports it. */
interface SchemaElement {
  readonly name: string;
  readonly repetition: string;
  readonly children: number;
  readonly converted: string | null;
  readonly logical: string | null;
}

/** What the footer declares: the file's rows, its column chunks and its schema. */
interface Declared {
  readonly rows: bigint;
  readonly chunks: Chunk[];
  /** Depth-first: the root, then each field followed by its children. */
  readonly schema: SchemaElement[];
}

function big(value: unknown): bigint {
  return typeof value === 'bigint' ? value : BigInt(Math.trunc(Number(value ?? 0)));
}

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

/** The columns {@link declaredBy} selects, in this order: a chunk's, then a schema element's. */
const CHUNK_FIELDS = [
  'num_rows',
  'row_group_id',
  'row_group_num_rows',
  'path_in_schema',
  'type',
  'num_values',
  'encodings',
  'data_page_offset',
  'dictionary_page_offset',
  'total_compressed_size',
  'total_uncompressed_size',
] as const;
const SCHEMA_FIELDS = ['name', 'repetition_type', 'num_children', 'converted_type', 'logical_type'] as const;

/**
 * The footer's three views in one statement instead of three, each statement costing a
 * millisecond or more of its own: the file's rows beside each column chunk (a left join, so that a
 * file without row groups still gives its rows), then the schema's elements in the file's order
 * (the database preserves insertion order, and `UNION ALL` keeps each branch's rows in theirs).
 */
async function declaredBy(connection: DuckDBConnection, file: string): Promise<Declared> {
  const params = new Params();
  const at = params.text(file);
  const chunkColumns = CHUNK_FIELDS.slice(1).map((c) => `m.${c}`);
  const rows = await rowsWith(
    connection,
    `SELECT part, ${[...CHUNK_FIELDS, ...SCHEMA_FIELDS].join(', ')} FROM (
       SELECT 'chunk' AS part, f.num_rows, ${chunkColumns.join(', ')}
       FROM parquet_file_metadata(${at}) f LEFT JOIN parquet_metadata(${at}) m ON true
       UNION ALL BY NAME
       SELECT 'schema' AS part, ${SCHEMA_FIELDS.join(', ')} FROM parquet_schema(${at}))`,
    params,
  );
  const chunks: Chunk[] = [];
  const schema: SchemaElement[] = [];
  let declared = 0n;
  for (const row of rows) {
    if (row[0] === 'chunk') {
      const [, numRows, group, groupRows, path, type, values, encodings, data, dictionary, compressed, raw] =
        row;
      declared = big(numRows);
      // The left join's one row for a file without row groups.
      if (group === null || group === undefined) continue;
      chunks.push({
        rowGroup: Number(group),
        rowGroupRows: big(groupRows),
        path: String(path),
        type: String(type),
        values: big(values),
        encodings: String(encodings ?? '')
          .split(',')
          .map((e) => e.trim())
          .filter((e) => e !== ''),
        dataOffset: big(data),
        dictionaryOffset: dictionary === null || dictionary === undefined ? null : big(dictionary),
        compressedBytes: big(compressed),
        uncompressedBytes: big(raw),
      });
    } else {
      const [name, repetition, children, converted, logical] = row.slice(1 + CHUNK_FIELDS.length);
      schema.push({
        name: String(name),
        repetition: String(repetition ?? 'REQUIRED'),
        children: Number(children ?? 0),
        converted: text(converted),
        logical: text(logical),
      });
    }
  }
  return { rows: declared, chunks, schema };
}

/** How a leaf column repeats, by its path as `parquet_metadata` writes it (`a, b, c`). */
interface Leaf {
  /** Inside a repeated field (a list or map): a row may hold many values, or one null. */
  readonly repeated: boolean;
  /** Required itself and all its ancestors: every row holds exactly one value. */
  readonly required: boolean;
}

function leavesOf(schema: readonly SchemaElement[]): Map<string, Leaf> {
  const leaves = new Map<string, Leaf>();
  const stack: { path: string[]; left: number; repeated: boolean; required: boolean }[] = [];
  schema.forEach((element, i) => {
    const parent = stack[stack.length - 1];
    const entry = {
      path: i === 0 ? [] : [...(parent?.path ?? []), element.name],
      left: element.children,
      repeated: (parent?.repeated ?? false) || element.repetition === 'REPEATED',
      required: (parent?.required ?? true) && element.repetition === 'REQUIRED',
    };
    if (parent) parent.left--;
    if (element.children > 0) stack.push(entry);
    else if (i > 0) leaves.set(entry.path.join(', '), { repeated: entry.repeated, required: entry.required });
    while (stack.length > 0 && stack[stack.length - 1]!.left === 0) stack.pop();
  });
  return leaves;
}

/** What a checked footer tells the reader. */
export interface CheckedFooter {
  /** The file's rows, now known to be consistent. */
  readonly rows: number;
  /**
   * Names of schema elements stored as millisecond timestamps: DuckDB reads them as microsecond
   * TIMESTAMPs, and the README gives each timestamp its unit's precision.
   */
  readonly millisecondColumns: ReadonlySet<string>;
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
 * @returns the file's declared row count, now known to be consistent, and its millisecond timestamps
 * @throws `ParseError` naming the first lie found
 */
export async function checkParquetFooter(connection: DuckDBConnection, file: string): Promise<CheckedFooter> {
  const place = await footerPlace(file);
  const dataEnd = BigInt(place.fileBytes - place.footerBytes - 8);
  const { rows: declaredRows, chunks, schema } = await declaredBy(connection, file);
  const leaves = leavesOf(schema);
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
  const millisecondColumns = new Set(
    schema
      .filter(
        (e) => e.converted === 'TIMESTAMP_MILLIS' || (e.logical ?? '').includes('MILLIS=MilliSeconds()'),
      )
      .map((e) => e.name),
  );
  return { rows: Number(declaredRows), millisecondColumns };
}
