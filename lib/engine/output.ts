/**
 * Writes a result to the storage: DuckDB's `COPY … TO` a temporary file
 * beside the output for CSV, JSON, NDJSON and Parquet, our streaming writer
 * for XML; then the storage publishes it atomically (never over an existing
 * file). Numbers in text formats are written in JavaScript's shortest form.
 *
 * @module
 */
import type { Storage } from '../storage/storage.js';
import type { OutputFormat } from '../types.js';
import type { JobRunner } from './runner.js';
import type { Params } from './sql.js';
import { quoteIdent } from './sql.js';
import { writeXmlResult } from './xml/index.js';

/** One output column. */
export interface OutColumn {
  readonly name: string;
  /** SQL of the value. */
  readonly expr: string;
  /** A DOUBLE, written in JavaScript's number form in text formats. */
  readonly double: boolean;
}

/** A result to write: `SELECT columns FROM from [WHERE] [ORDER BY]`. */
export interface ResultQuery {
  readonly columns: readonly OutColumn[];
  readonly from: string;
  readonly where?: string;
  readonly orderBy?: string;
  /** Parameters of `from`, `where` and the column expressions. */
  readonly params: Params;
}

function selectList(columns: readonly OutColumn[], format: OutputFormat): string {
  return columns
    .map((c) => {
      let expr = c.expr;
      if (c.double && (format === 'csv' || format === 'xml')) expr = `df_numtext(${expr})`;
      else if (c.double && (format === 'json' || format === 'ndjson'))
        expr = `CAST(df_numtext(${expr}) AS JSON)`;
      else if (c.double) expr = `CAST(${expr} AS DOUBLE)`;
      return `${expr} AS ${quoteIdent(c.name)}`;
    })
    .join(', ');
}

const COPY_OPTIONS: Record<Exclude<OutputFormat, 'xml'>, string> = {
  csv: "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NULL ''",
  json: 'FORMAT json, ARRAY true',
  ndjson: 'FORMAT json',
  parquet: 'FORMAT parquet, COMPRESSION zstd',
};

/**
 * Writes the result of `query` to `output` atomically.
 *
 * @returns rows and bytes written
 * @throws `OutputExistsError`, `InvalidPathError`, `StorageError` from the storage; mapped DuckDB errors
 */
export async function writeResult(
  runner: JobRunner,
  storage: Storage,
  output: string,
  format: OutputFormat,
  query: ResultQuery,
): Promise<{ rows: number; bytes: number }> {
  const params = query.params.clone();
  const sql =
    `SELECT ${selectList(query.columns, format)} FROM ${query.from}` +
    (query.where !== undefined ? ` WHERE ${query.where}` : '') +
    (query.orderBy !== undefined ? ` ORDER BY ${query.orderBy}` : '');
  let rows = 0;
  if (format === 'xml') {
    const { bytes } = await storage.writeAtomic(output, async (sink) => {
      rows = await runner.stream(sql, params, async (result) => (await writeXmlResult(result, sink)).rows);
    });
    return { rows, bytes };
  }
  const { bytes } = await storage.writeAtomicFile(output, async (tmpPath) => {
    // The path is the temporary file's descriptor (/proc/self/fd/N): DuckDB must write it in place,
    // not beside it (`USE_TMP_FILE`), where a folder of /proc cannot take a file.
    rows = await runner.run(
      `COPY (${sql}) TO ${params.text(tmpPath)} (${COPY_OPTIONS[format]}, USE_TMP_FILE false)`,
      params,
    );
  });
  return { rows, bytes };
}
