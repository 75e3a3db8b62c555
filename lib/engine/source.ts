/**
 * Opens an input for the engine: the SQL relation that reads it and its
 * columns. CSV, TSV, JSON, NDJSON and Parquet are read by DuckDB's own
 * readers, called with the request's file and options as prepared
 * parameters; XML is streamed into a temporary table by our reader.
 *
 * @module
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { open } from 'node:fs/promises';
import { ParseError } from '../errors.js';
import { DEFAULT_NULL_VALUES, type InputFormat } from '../types.js';
import { textColumn, typedColumns, type SourceColumn } from './columns.js';
import { csvSource } from './csv-source.js';
import { jsonSource } from './json-source.js';
import { assertColumnCount } from './limits.js';
import { checkParquetFooter } from './parquet-footer.js';
import { Params, quoteIdent, runWith } from './sql.js';
import { loadXmlTable } from './xml/index.js';

/** Read options that apply to an input (the request's `options`, less the operation's). */
export interface SourceOptions {
  readonly delimiter?: string;
  readonly null_values?: readonly string[];
  readonly record_tag?: string;
  /** Columns the operation needs; undefined when it needs every column (`non_null`). */
  readonly wanted?: readonly string[];
  /**
   * CSV, TSV, JSON, NDJSON: columns to read as numbers when a sample says so (see `CsvRead.numeric`);
   * `all`: every JSON or NDJSON key the sample calls numeric (`non_null`, which writes every column).
   */
  readonly numeric?: readonly string[] | 'all';
  /**
   * The caller reads at most this many rows (a preview): XML loads only these records, JSON and
   * NDJSON learn their columns from these records alone instead of a larger sample.
   */
  readonly maxRows?: number;
}

/** An opened input. */
export interface Source {
  readonly format: InputFormat;
  /** The relation, for a `FROM` clause; its placeholders are bound by {@link Source.params}. */
  readonly from: string;
  /** Parameters of `from`; a query adds its own after them (see {@link Params.clone}). */
  readonly params: Params;
  /** Every column, in input order. */
  readonly columns: readonly SourceColumn[];
  /** Rows, when known without a pass over the input (Parquet metadata, XML's load). */
  readonly rowCount?: number;
  /**
   * Some text columns are read as numbers on a sample's word: a query over them fails with a
   * `ParseError` where a cell is not a finite number, and is then run again over the input opened
   * without `numeric`.
   */
  readonly typedByGuess?: boolean;
  /** Removes what opening made (XML's temporary table). */
  close(): Promise<void>;
}

/** Reports progress of a long step in bytes (XML loading). */
export type ByteProgress = (done: number, total: number) => void;

/** The null markers of a text input: the request's or pandas' list, and always the empty field. */
function nullMarkers(options: SourceOptions): string[] {
  return [...new Set(['', ...(options.null_values ?? DEFAULT_NULL_VALUES)])];
}

async function parquetSource(connection: DuckDBConnection, file: string): Promise<Source> {
  // The footer is checked against the file's real size before DuckDB's reader is given the file.
  const footer = await checkParquetFooter(connection, file);
  const params = new Params();
  const from = `read_parquet(${params.text(file)})`;
  const probe = await runWith(connection, `SELECT * FROM ${from} LIMIT 0`, params);
  const columns: SourceColumn[] = [];
  probe
    .columnNames()
    .forEach((name, i) =>
      typedColumns(name, quoteIdent(name), probe.columnType(i), columns, footer.millisecondColumns.has(name)),
    );
  assertColumnCount(columns.length);
  return {
    format: 'parquet',
    from,
    params,
    columns,
    rowCount: footer.rows,
    close: async () => undefined,
  };
}

let xmlTables = 0;

async function xmlSource(
  connection: DuckDBConnection,
  file: string,
  options: SourceOptions,
  onBytes: ByteProgress | undefined,
): Promise<Source> {
  const table = `df_xml_${process.pid}_${++xmlTables}`;
  // Null markers become nulls as the table is loaded, not through a CASE in every later query.
  const loaded = await loadXmlTable(connection, file, table, {
    ...(options.record_tag !== undefined && { recordTag: options.record_tag }),
    ...(onBytes !== undefined && { onProgress: onBytes }),
    ...(options.maxRows !== undefined && { maxRows: options.maxRows }),
    nullValues: nullMarkers(options),
  });
  return {
    format: 'xml',
    from: quoteIdent(table),
    params: new Params(),
    columns: loaded.columns.map((name) => textColumn(name)),
    rowCount: loaded.rows,
    close: async () => {
      await connection.run(`DROP TABLE IF EXISTS ${quoteIdent(table)}`);
    },
  };
}

/** The first byte of a file that is not white space, to tell a JSON array from a wrapping object. */
async function firstSignificantByte(file: string): Promise<string | undefined> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return undefined;
      for (let i = 0; i < bytesRead; i++) {
        const b = buffer[i]!;
        // BOM bytes and JSON white space.
        if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0xef || b === 0xbb || b === 0xbf)
          continue;
        return String.fromCharCode(b);
      }
      position += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/**
 * Opens an input.
 *
 * @param connection - the job's DuckDB connection
 * @param file - absolute host path, already checked by the storage
 * @param format - the input format
 * @param options - delimiter, null markers, XML record tag
 * @param onBytes - progress of a load step, for XML
 * @returns the source; close it when done
 * @throws `ParseError` for an unreadable header, an XML document that is not well formed, a JSON
 *   document that is neither an array of objects nor an object holding one
 */
export async function openSource(
  connection: DuckDBConnection,
  file: string,
  format: InputFormat,
  options: SourceOptions,
  onBytes?: ByteProgress,
): Promise<Source> {
  switch (format) {
    case 'csv':
    case 'tsv':
      return csvSource(connection, file, {
        format,
        nullMarkers: nullMarkers(options),
        ...(options.delimiter !== undefined && { delimiter: options.delimiter }),
        ...(Array.isArray(options.numeric) && { numeric: options.numeric as readonly string[] }),
      });
    case 'parquet':
      return parquetSource(connection, file);
    case 'xml':
      return xmlSource(connection, file, options, onBytes);
    case 'json':
    case 'ndjson': {
      const first = format === 'json' ? await firstSignificantByte(file) : '{';
      if (format === 'json' && first !== '[' && first !== '{') {
        throw new ParseError('line 1: a JSON input must be an array of objects, or an object holding one', {
          line: 1,
        });
      }
      return jsonSource(
        connection,
        file,
        format === 'ndjson' ? 'ndjson' : first === '[' ? 'array' : 'wrapped',
        options.wanted,
        options.maxRows,
        options.numeric,
      );
    }
  }
}
