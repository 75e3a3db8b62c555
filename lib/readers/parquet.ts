/**
 * Parquet reader: hyparquet with every compressor of hyparquet-compressors
 * (snappy, gzip, zstd, brotli, lz4), read row group by row group, only the
 * requested columns, column by column.
 *
 * @module
 */
import * as aq from 'arquero';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, ColumnData, FileMetaData, SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ParseError, StorageError } from '../errors.js';
import { type Batch, type ColumnType, type ReadOptions, type Scalar, type TableSource } from '../types.js';
import { conversionOf, type ColumnConversion } from './parquet-values.js';

interface OpenedFile {
  readonly file: AsyncBuffer;
  readonly metadata: FileMetaData;
  readonly columns: readonly { name: string; nested: boolean; conversion: ColumnConversion }[];
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 200) : String(err);
}

async function openFile(path: string): Promise<OpenedFile> {
  let file: AsyncBuffer;
  try {
    file = await asyncBufferFromFile(path);
  } catch (err) {
    throw new StorageError(
      `cannot open the Parquet file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new ParseError(`not a readable Parquet file: ${describe(err)}`);
  }
  const tree: SchemaTree = parquetSchema(metadata);
  const columns = tree.children.map((child) => {
    const nested = child.children.length > 0;
    return { name: child.element.name, nested, conversion: conversionOf(child.element, nested) };
  });
  return { file, metadata, columns };
}

/**
 * Reads one row group's selected columns into converted arrays. Flat
 * columns come column-chunk by column-chunk; nested ones are assembled by
 * hyparquet as objects and kept as JSON text.
 */
async function readRowGroup(
  opened: OpenedFile,
  selected: OpenedFile['columns'],
  rowStart: number,
  rowEnd: number,
  group: number,
): Promise<Record<string, Scalar[]>> {
  const length = rowEnd - rowStart;
  const data: Record<string, Scalar[]> = {};
  const flat = selected.filter((c) => !c.nested);
  const nested = selected.filter((c) => c.nested);
  const byName = new Map(selected.map((c) => [c.name, c]));
  try {
    if (flat.length > 0) {
      await parquetRead({
        file: opened.file,
        metadata: opened.metadata,
        compressors,
        columns: flat.map((c) => c.name),
        rowStart,
        rowEnd,
        onChunk: (chunk: ColumnData) => {
          const convert = byName.get(chunk.columnName)?.conversion.convert;
          if (!convert) return;
          const out = (data[chunk.columnName] ??= new Array<Scalar>(length).fill(null));
          const values = chunk.columnData;
          // A chunk may cover rows outside the group's requested range: keep the overlap only.
          const from = Math.max(chunk.rowStart, rowStart);
          const to = Math.min(chunk.rowEnd, rowEnd);
          for (let r = from; r < to; r++) out[r - rowStart] = convert(values[r - chunk.rowStart]);
        },
      });
    }
    if (nested.length > 0) {
      await parquetRead({
        file: opened.file,
        metadata: opened.metadata,
        compressors,
        columns: nested.map((c) => c.name),
        rowStart,
        rowEnd,
        rowFormat: 'object',
        onComplete: (rows) => {
          for (const c of nested) data[c.name] = rows.map((row) => c.conversion.convert(row[c.name]));
        },
      });
    }
  } catch (err) {
    if (err instanceof ParseError) throw err;
    throw new ParseError(`row group ${group + 1}: cannot decode: ${describe(err)}`, { row_group: group + 1 });
  }
  const ordered: Record<string, Scalar[]> = {};
  for (const c of selected) ordered[c.name] = data[c.name] ?? new Array<Scalar>(length).fill(null);
  return ordered;
}

/**
 * Opens a Parquet file. `header()` and `knownTypes()` read only the footer;
 * `batches()` reads the row groups in order, restricted to
 * `options.columns` when given (unknown names are left to the operation to
 * report), one batch per row group.
 *
 * @param path - absolute host path, already checked by the storage
 * @param options - only `columns` is used; text options do not apply
 * @throws `ParseError` when the file is not Parquet, truncated, or a page cannot be decoded
 */
export function openParquetSource(path: string, options: ReadOptions): TableSource {
  let opened: Promise<OpenedFile> | undefined;
  const open = (): Promise<OpenedFile> => (opened ??= openFile(path));
  return {
    header: async () => (await open()).columns.map((c) => c.name),
    knownTypes: async () =>
      new Map<string, ColumnType>((await open()).columns.map((c) => [c.name, c.conversion.type])),
    async *batches(): AsyncGenerator<Batch> {
      const file = await open();
      const wanted = options.columns ? new Set(options.columns) : undefined;
      const selected = wanted ? file.columns.filter((c) => wanted.has(c.name)) : file.columns;
      let firstRow = 1;
      for (const [g, rowGroup] of file.metadata.row_groups.entries()) {
        const rows = Number(rowGroup.num_rows);
        // A whole row group at once: its pages are compressed together, so a smaller slice would
        // decode them again for each slice.
        const data = await readRowGroup(file, selected, firstRow - 1, firstRow - 1 + rows, g);
        yield { table: aq.table(data), firstRow };
        firstRow += rows;
      }
    },
  };
}
