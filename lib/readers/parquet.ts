/**
 * Parquet reader: hyparquet with every compressor of hyparquet-compressors
 * (snappy, gzip, zstd, brotli, lz4). The footer is read first; then the row
 * groups one at a time, only the columns asked for, cut into batches of at
 * most `batch_size` rows. Values are converted by `parquet-values.ts`; struct
 * columns are flattened to dotted names by `parquet-columns.ts`.
 *
 * @module
 */
import * as aq from 'arquero';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, ColumnData, FileMetaData, SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ParseError, StorageError } from '../errors.js';
import {
  DEFAULT_BATCH_SIZE,
  type Batch,
  type ColumnType,
  type ReadOptions,
  type Scalar,
  type TableSource,
} from '../types.js';
import { checkColumnChunks, parquetColumns, type ParquetColumn } from './parquet-columns.js';
import { RAW_PARSERS } from './parquet-values.js';

interface OpenedFile {
  readonly file: AsyncBuffer;
  readonly metadata: FileMetaData;
  readonly columns: readonly ParquetColumn[];
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 200);

/**
 * The error to report for a failure of hyparquet or of the file system:
 * system errors (which carry the host path in their message) become a
 * `StorageError` with their code only; anything else is a `ParseError`.
 */
function failure(err: unknown, where: string, location?: Record<string, unknown>): Error {
  if (err instanceof ParseError || err instanceof StorageError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new StorageError(`storage failure while reading the Parquet file (${code})`, code);
  }
  return new ParseError(`${where}: ${describe(err)}`, location);
}

async function openFile(path: string): Promise<OpenedFile> {
  let file: AsyncBuffer;
  try {
    file = await asyncBufferFromFile(path);
  } catch (err) {
    throw failure(err, 'cannot open the Parquet file');
  }
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw failure(err, 'not a readable Parquet file');
  }
  for (const [g, group] of metadata.row_groups.entries()) {
    if (!(group.num_rows >= 0n && group.num_rows <= BigInt(Number.MAX_SAFE_INTEGER))) {
      throw new ParseError(`row group ${g + 1}: invalid row count in the Parquet footer`, {
        row_group: g + 1,
      });
    }
  }
  let tree: SchemaTree;
  try {
    tree = parquetSchema(metadata);
  } catch (err) {
    throw failure(err, 'invalid Parquet schema');
  }
  checkColumnChunks(metadata, tree);
  return { file, metadata, columns: parquetColumns(tree) };
}

/** The columns to read: those asked for (at least one, so that batches still count rows). */
function selectColumns(
  all: readonly ParquetColumn[],
  wanted: readonly string[] | undefined,
): ParquetColumn[] {
  if (wanted === undefined) return [...all];
  const names = new Set(wanted);
  const selected = all.filter((c) => names.has(c.name));
  return selected.length > 0 || all.length === 0 ? selected : [all[0]!];
}

/** Walks an assembled struct value down to one leaf; null when a level is null. */
function valueAt(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || v === undefined) return null;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/**
 * Decodes the selected columns of one row group, converted, straight into
 * the arrays of its batches: `result[column][batch]`, batches of
 * `batchSize` rows (the last one shorter).
 */
async function readRowGroup(
  opened: OpenedFile,
  selected: readonly ParquetColumn[],
  group: number,
  rowStart: number,
  rows: number,
  batchSize: number,
): Promise<Scalar[][][]> {
  const batches = Math.ceil(rows / batchSize);
  const out = selected.map(() =>
    Array.from({ length: batches }, (_, b) => new Array<Scalar>(Math.min(batchSize, rows - b * batchSize))),
  );
  const byRoot = new Map<string, number[]>();
  selected.forEach((c, i) => byRoot.set(c.root, [...(byRoot.get(c.root) ?? []), i]));
  const filled = new Map<string, number>();
  let thrown: unknown;
  const onChunk = (chunk: ColumnData): void => {
    // hyparquet calls this from a promise callback: an exception must not escape as an unhandled rejection.
    try {
      const targets = byRoot.get(chunk.columnName);
      if (!targets) return;
      const values = chunk.columnData;
      // Offsets in the row group; the chunk's values start at its own first row.
      const from = Math.max(chunk.rowStart, rowStart) - rowStart;
      const to = Math.min(chunk.rowEnd, rowStart + rows) - rowStart;
      if (to <= from) return;
      const shift = rowStart - chunk.rowStart;
      for (const t of targets) {
        const { convert } = selected[t]!.conversion;
        const path = selected[t]!.path;
        for (let i = from; i < to;) {
          const b = Math.floor(i / batchSize);
          const base = b * batchSize;
          const stop = Math.min(to, base + batchSize);
          const dest = out[t]![b]!;
          if (path.length === 0) for (; i < stop; i++) dest[i - base] = convert(values[i + shift]);
          else for (; i < stop; i++) dest[i - base] = convert(valueAt(values[i + shift], path));
        }
      }
      filled.set(chunk.columnName, (filled.get(chunk.columnName) ?? 0) + (to - from));
    } catch (err) {
      thrown ??= err;
    }
  };
  const where = `row group ${group + 1} (rows ${rowStart + 1}–${rowStart + rows})`;
  try {
    await parquetRead({
      file: opened.file,
      metadata: opened.metadata,
      compressors,
      columns: [...byRoot.keys()],
      rowStart,
      rowEnd: rowStart + rows,
      utf8: false, // binary without a text annotation stays bytes (then base64)
      parsers: RAW_PARSERS,
      onChunk,
    });
  } catch (err) {
    throw failure(err, `${where}: cannot decode`, { row_group: group + 1 });
  }
  if (thrown !== undefined) throw failure(thrown, `${where}: cannot convert`, { row_group: group + 1 });
  for (const root of byRoot.keys()) {
    if ((filled.get(root) ?? 0) !== rows) {
      throw new ParseError(
        `${where}: column ${JSON.stringify(root)} holds fewer values than the row group's rows`,
        { row_group: group + 1, column: root },
      );
    }
  }
  return out;
}

function toBatch(selected: readonly ParquetColumn[], arrays: readonly Scalar[][], firstRow: number): Batch {
  const data: Record<string, Scalar[]> = {};
  selected.forEach((c, i) => (data[c.name] = arrays[i]!));
  return { table: aq.table(data), firstRow };
}

async function* readBatches(opened: OpenedFile, options: ReadOptions): AsyncGenerator<Batch> {
  const selected = selectColumns(opened.columns, options.columns);
  const refused = selected.find((c) => c.unsupported !== undefined);
  if (refused) {
    throw new ParseError(
      `column ${JSON.stringify(refused.name)}: ${refused.unsupported} values are not supported`,
      {
        column: refused.name,
      },
    );
  }
  const batchSize = Math.max(1, Math.floor(options.batch_size ?? DEFAULT_BATCH_SIZE));
  let rowStart = 0;
  for (const [g, rowGroup] of opened.metadata.row_groups.entries()) {
    const rows = Number(rowGroup.num_rows);
    if (rows === 0) continue;
    // The whole row group is decoded at once: its pages are compressed together, and reading a
    // smaller range would decompress the pages it shares with its neighbours again.
    const columns = await readRowGroup(opened, selected, g, rowStart, rows, batchSize);
    for (let b = 0; b * batchSize < rows; b++) {
      yield toBatch(
        selected,
        columns.map((batches) => batches[b]!),
        rowStart + b * batchSize + 1,
      );
    }
    rowStart += rows;
  }
  if (rowStart === 0)
    yield toBatch(
      selected,
      selected.map(() => []),
      1,
    );
}

/**
 * Opens a Parquet file. `header()` and `knownTypes()` read only the footer;
 * `batches()` reads the row groups in order, each cut into batches of at
 * most `batch_size` rows (default {@link DEFAULT_BATCH_SIZE}).
 *
 * Columns: top-level columns by name, struct fields flattened to dotted
 * names, lists and maps as JSON text. Values: see `parquet-values.ts`
 * (INT64 beyond 2^53 as exact text, dates and timestamps as ISO-8601 text,
 * decimals as numbers, binary as base64).
 *
 * @param path - absolute host path, already checked by the storage
 * @param options - `columns` (read only these when given; unknown names are
 *   left to the operation to report) and `batch_size`; text options do not apply
 * @returns the source; nothing is read until one of its methods is called
 * @throws `ParseError` (from the methods) when the file is not Parquet, is
 *   truncated, a page cannot be decoded, or a selected column holds a type
 *   hyparquet cannot decode (INTERVAL, BSON), naming the column
 * @throws `StorageError` (from the methods) when the file cannot be read
 *
 * @example
 * ```ts
 * const source = openParquetSource('/data/sales.parquet', { columns: ['amount'] });
 * for await (const { table, firstRow } of source.batches()) use(table, firstRow);
 * ```
 */
export function openParquetSource(path: string, options: ReadOptions): TableSource {
  let opened: Promise<OpenedFile> | undefined;
  const open = (): Promise<OpenedFile> => (opened ??= openFile(path));
  return {
    header: async () => (await open()).columns.map((c) => c.name),
    knownTypes: async () =>
      new Map<string, ColumnType>((await open()).columns.map((c) => [c.name, c.conversion.type])),
    batches: async function* () {
      yield* readBatches(await open(), options);
    },
  };
}
