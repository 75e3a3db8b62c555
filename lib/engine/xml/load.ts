/**
 * Loads an XML file into a DuckDB table in one streamed pass: bytes are read
 * a chunk at a time, checked as UTF-8, cut into records by {@link XmlScanner}
 * and appended as rows by {@link RecordWriter}, 2,048 at a time.
 *
 * @module
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { isUtf8 } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';
import { ParseError } from '../../errors.js';
import { toStorageError } from '../../storage/system-errors.js';
import { RecordWriter } from './record-writer.js';
import { XmlScanner } from './scanner.js';
import { VarcharTable } from './varchar-table.js';

/** Longest record (or markup token) in bytes: 64 MiB, the limit of the other formats. */
export const XML_MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** Bytes read per chunk. */
const CHUNK_BYTES = 1024 * 1024;
/** Least time between two progress reports. */
const PROGRESS_MS = 250;

/** Options of {@link loadXmlTable}. */
export interface XmlLoadOptions {
  /** Tag name of the records, at any depth (the root included); absent: the children of the root. */
  readonly recordTag?: string;
  /** Called with the bytes consumed so far and the file size, at most every 250 ms, and once at the end. */
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Cell texts loaded as null (the request's null markers). */
  readonly nullValues?: readonly string[];
  /**
   * Stop after this many records (a preview): the rest of the file is neither read nor checked,
   * so a document malformed further on loads its first records without error.
   */
  readonly maxRows?: number;
}

/** Internal knobs for tests: tiny chunks exercise boundaries, a small limit the size check. */
export interface XmlLoadTuning {
  readonly chunkBytes?: number;
  readonly maxRecordBytes?: number;
}

/**
 * Streams an XML file into a new TEMP table of VARCHAR columns, one row per
 * record in document order. Records are the children of the root, or the
 * elements named `recordTag` wherever they are (the outermost when they
 * nest, the root itself included). A record's fields, in first-seen order,
 * are its attributes (`@name` when a child element has the same name;
 * `xmlns` declarations skipped), its own text under its tag name when not
 * only whitespace, and its child elements: nested ones as dotted names
 * (`address.city`, `price.currency`), repeated ones as one JSON array text.
 * Cells are the raw text with line ends normalised and references decoded
 * (predefined, numeric, common HTML entities); missing and empty elements
 * are NULL. No `null_values`, no types: the engine applies them in SQL.
 * A column that first appears mid-file is added then (earlier rows NULL).
 *
 * Memory stays bounded: one chunk of bytes, the open record (at most
 * {@link XML_MAX_RECORD_BYTES}) and one data chunk of rows.
 *
 * @param connection - the DuckDB connection that owns the table
 * @param file - absolute host path, already checked by the storage
 * @param table - name of the table to create (any text: it is quoted)
 * @param options - record tag, progress callback, null markers, row cap
 * @param tuning - test knobs
 * @returns the column names in table order and the row count. When no
 *   record has any field, `columns` is empty and the table holds one all-NULL
 *   placeholder column (DuckDB has no table without columns).
 * @throws `ParseError` naming the record and line of malformed XML (mismatched or unclosed
 *   tags, unbalanced quotes, truncation), a DTD declaring entities, nesting over 256 levels
 *   in the document or 64 within a record, a record over 64 MiB, a reserved name
 *   (`__proto__`, `constructor`, `prototype`), invalid UTF-8 (line and byte offset)
 * @throws `StorageError` when the file cannot be read
 */
export async function loadXmlTable(
  connection: DuckDBConnection,
  file: string,
  table: string,
  options: XmlLoadOptions = {},
  tuning: XmlLoadTuning = {},
): Promise<{ columns: string[]; rows: number }> {
  const chunkBytes = Math.max(1, Math.floor(tuning.chunkBytes ?? CHUNK_BYTES));
  const maxRecord = tuning.maxRecordBytes ?? XML_MAX_RECORD_BYTES;
  const handle = await openInput(file);
  try {
    const total = (await handle.stat()).size;
    const rows = await VarcharTable.create(connection, table, options.nullValues);
    const writer = new RecordWriter(rows, options.maxRows);
    const scanner = new XmlScanner(options.recordTag, writer);
    let backing: Buffer = Buffer.alloc(0);
    let spare: Buffer = Buffer.alloc(0);
    let buf: Buffer = backing;
    let pos = 0; // where scanning resumes
    let read = 0; // bytes read from the file
    let checked = 0; // bytes of buf known to be valid UTF-8
    let lastReport = performance.now();
    for (;;) {
      // A record longer than a chunk makes the next read as long as what is held: linear, not quadratic.
      const held = buf.length - pos;
      // Two buffers take turns: the held bytes are copied to the other one and the read goes
      // straight after them (fresh buffers per read cost a GC every few reads). Nothing keeps a
      // view on a buffer past its turn: the table copies long strings.
      const need = held + Math.max(chunkBytes, held);
      const next = spare.length >= need ? spare : Buffer.allocUnsafe(need);
      buf.copy(next, 0, pos);
      const n = await readInto(handle, next, held);
      scanner.dropped(buf, pos);
      checked -= pos;
      spare = backing;
      backing = next;
      buf = next.subarray(0, held + n);
      pos = 0;
      if (read === 0 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        scanner.dropped(buf, 3);
        buf = buf.subarray(3);
        checked = 0;
      }
      read += n;
      checked = checkUtf8(scanner, buf, checked, n === 0);
      for (;;) {
        pos = scanner.scan(buf.subarray(0, checked), pos);
        // A held record is written by resume(); once the cap is reached nothing more is scanned.
        if (!(await resumeHeld(writer)) || writer.full) break;
      }
      if (writer.full) break;
      if (n === 0) {
        scanner.finish(buf, pos);
        break;
      }
      if (buf.length - pos > maxRecord) {
        scanner.fail(buf, `a record or tag runs over ${maxRecord} bytes (a tag or quote left open?)`, pos);
      }
      const now = performance.now();
      if (options.onProgress && now - lastReport >= PROGRESS_MS) {
        lastReport = now;
        options.onProgress(read, total);
      }
    }
    rows.finish();
    options.onProgress?.(read, total);
    return { columns: [...rows.columns], rows: rows.rows };
  } finally {
    await handle.close();
  }
}

/** Writes the record the writer held, if any; true when one was (the scan must go on from where it stopped). */
async function resumeHeld(writer: RecordWriter): Promise<boolean> {
  return writer.resume();
}

/**
 * Extends the valid UTF-8 prefix of `buf` from `from`: up to the last whole
 * character, or to the end at end of file.
 *
 * @returns the new end of the valid prefix
 * @throws `ParseError` at the first invalid sequence
 */
function checkUtf8(scanner: XmlScanner, buf: Buffer, from: number, eof: boolean): number {
  let end = buf.length;
  if (!eof) {
    // Back up over an incomplete character at the end (at most 3 bytes).
    let i = end - 1;
    while (i >= from && i > end - 4 && (buf[i]! & 0xc0) === 0x80) i--;
    if (i >= from && buf[i]! >= 0xc0) {
      const need = buf[i]! >= 0xf0 ? 4 : buf[i]! >= 0xe0 ? 3 : 2;
      if (end - i < need) end = i;
    }
  }
  if (end > from && !isUtf8(buf.subarray(from, end))) {
    const bad = firstInvalid(buf, from, end);
    const line = scanner.lineAt(buf, bad);
    throw new ParseError(`line ${line}: invalid UTF-8 byte sequence; save the file as UTF-8`, { line });
  }
  return Math.max(from, end);
}

/** Offset of the first byte of `buf[from..end)` that starts no valid UTF-8 sequence. */
function firstInvalid(buf: Buffer, from: number, end: number): number {
  let i = from;
  while (i < end) {
    let len = 1;
    const b = buf[i]!;
    if (b >= 0xf0) len = 4;
    else if (b >= 0xe0) len = 3;
    else if (b >= 0xc0) len = 2;
    else if (b >= 0x80) return i;
    if (len > 1 && (i + len > end || !isUtf8(buf.subarray(i, i + len)))) return i;
    i += len;
  }
  return end;
}

async function openInput(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r');
  } catch (err) {
    throw toStorageError(err, 'opening the input');
  }
}

async function readInto(handle: FileHandle, buffer: Buffer, offset: number): Promise<number> {
  try {
    return (await handle.read(buffer, offset, buffer.length - offset, null)).bytesRead;
  } catch (err) {
    throw toStorageError(err, 'reading the input');
  }
}
