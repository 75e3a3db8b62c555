/**
 * Parquet writer, on hyparquet-writer, row group by row group.
 *
 * @module
 */
import type { ColumnTable } from 'arquero';
import { ParquetWriter } from 'hyparquet-writer';
import type { ByteSink, ColumnSpec, ColumnType, Scalar, TableWriter } from '../types.js';
import { coerce } from '../values.js';
import { SinkByteWriter } from './parquet-byte-sink.js';
import { schemaCells } from './table-columns.js';

/** A Parquet schema element, as the hyparquet-writer in use types it (it bundles its own hyparquet). */
export type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

/** Rows per row group (the last one may be shorter). */
export const ROW_GROUP_SIZE = 100_000;

/**
 * The Parquet schema of a table: a flat root with one OPTIONAL column per
 * spec, `number` as DOUBLE, `boolean` as BOOLEAN and `string` as UTF-8
 * BYTE_ARRAY. Numbers are DOUBLE even when every value is an integer,
 * because a streamed writer must fix the schema before seeing the values.
 *
 * @param schema - the output columns
 * @returns the flattened Parquet schema, root first
 */
export function parquetSchema(schema: readonly ColumnSpec[]): SchemaElement[] {
  const root: SchemaElement = { name: 'root', num_children: schema.length };
  return [root, ...schema.map(({ name, type }) => columnElement(name, type))];
}

function columnElement(name: string, type: ColumnType): SchemaElement {
  switch (type) {
    case 'number':
      return { name, type: 'DOUBLE', repetition_type: 'OPTIONAL' };
    case 'boolean':
      return { name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' };
    case 'string':
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' };
  }
}

/**
 * Writes batches as a Parquet file (snappy-compressed). Rows are buffered,
 * coerced to the column types, until a row group of {@link ROW_GROUP_SIZE}
 * rows is full; the group is then encoded and its bytes handed to the sink
 * before more rows are taken. Nulls are Parquet nulls. A result with no rows
 * is a valid file with the schema and no row group.
 */
export class ParquetTableWriter implements TableWriter {
  readonly #schema: readonly ColumnSpec[];
  readonly #types: ColumnType[];
  readonly #writer: ParquetWriter;
  readonly #rowGroupSize: number;
  #buffers: Scalar[][];
  #buffered = 0;
  #closed = false;

  /**
   * @param sink - where the bytes go
   * @param schema - the output columns, in order
   * @param rowGroupSize - rows per row group; tests use small ones
   */
  constructor(sink: ByteSink, schema: readonly ColumnSpec[], rowGroupSize = ROW_GROUP_SIZE) {
    if (!(Number.isInteger(rowGroupSize) && rowGroupSize > 0)) {
      throw new RangeError('rowGroupSize must be a positive integer');
    }
    this.#schema = schema;
    this.#types = schema.map((c) => c.type);
    this.#rowGroupSize = rowGroupSize;
    this.#buffers = schema.map(() => []);
    this.#writer = new ParquetWriter({
      writer: new SinkByteWriter(sink),
      schema: parquetSchema(schema),
      createdBy: 'dataframe-jobs (hyparquet-writer)',
    });
  }

  /** Appends the rows of `table` (see {@link TableWriter.write}). */
  async write(table: ColumnTable): Promise<void> {
    if (this.#closed) throw new Error('Parquet writer used after close');
    const cells = schemaCells(table, this.#schema);
    const nrows = table.numRows();
    let from = 0;
    while (from < nrows) {
      const take = Math.min(nrows - from, this.#rowGroupSize - this.#buffered);
      for (let j = 0; j < cells.length; j++) {
        const src = cells[j]!;
        const dst = this.#buffers[j]!;
        const type = this.#types[j]!;
        for (let i = from; i < from + take; i++) {
          const v = src[i];
          dst.push(v == null ? null : coerce(v, type));
        }
      }
      this.#buffered += take;
      from += take;
      if (this.#buffered === this.#rowGroupSize) await this.#emitRowGroup();
    }
  }

  async #emitRowGroup(): Promise<void> {
    const rows = this.#buffered;
    const columnData = this.#schema.map(({ name }, j) => ({ name, data: this.#buffers[j]! }));
    this.#buffers = this.#schema.map(() => []);
    this.#buffered = 0;
    await this.#writer.write({ columnData, rowGroupSize: rows });
  }

  /** Writes the last row group and the footer, and flushes. */
  async close(): Promise<void> {
    if (this.#closed) throw new Error('Parquet writer used after close');
    this.#closed = true;
    if (this.#buffered > 0) await this.#emitRowGroup();
    await this.#writer.finish();
  }
}
