/**
 * Writes a result to the storage: DuckDB's `COPY … TO` a temporary file
 * beside the output for CSV, JSON, NDJSON and Parquet, our streaming writer
 * for XML; then the storage publishes it atomically (never over an existing
 * file). Numbers in text formats are written in JavaScript's shortest form.
 *
 * @module
 */
import { writeFile } from 'node:fs/promises';
import type { Storage } from '../storage/storage.js';
import type { OutputFormat } from '../types.js';
import { jsonRowsCopy, jsonRowsSql, rendersJsonRows } from './json-rows.js';
import type { JobRunner } from './runner.js';
import type { Params } from './sql.js';
import { quoteIdent } from './sql.js';
import {
  writeXmlResult,
  XML_EPILOG,
  XML_PROLOG,
  XML_ROWS_COPY,
  XML_SQL_MAX_COLUMNS,
  xmlRowsSql,
} from './xml/index.js';

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

/** SQL of each output column's value as the format writes it. */
function outputExprs(columns: readonly OutColumn[], format: OutputFormat): string[] {
  return columns.map((c) => {
    if (c.double && (format === 'csv' || format === 'xml')) return `df_numtext(${c.expr})`;
    if (c.double && (format === 'json' || format === 'ndjson')) return `CAST(df_numtext(${c.expr}) AS JSON)`;
    if (c.double) return `CAST(${c.expr} AS DOUBLE)`;
    return c.expr;
  });
}

const COPY_OPTIONS: Record<Exclude<OutputFormat, 'xml'>, string> = {
  csv: "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NULL ''",
  json: 'FORMAT json, ARRAY true',
  ndjson: 'FORMAT json',
  // snappy, as the README documents; zstd costs more CPU to write (bench/results.md).
  parquet: 'FORMAT parquet, COMPRESSION snappy',
};

/**
 * The query rendering each row as an XML record in DuckDB ({@link xmlRowsSql}), when the
 * result's column types allow it (their types come from a run that reads no row).
 */
async function xmlRowsQuery(
  runner: JobRunner,
  query: ResultQuery,
  exprs: readonly string[],
  selectList: string,
  params: Params,
  rest: string,
): Promise<string | undefined> {
  if (query.columns.length > XML_SQL_MAX_COLUMNS) return undefined;
  const types = await runner.columnTypes(`SELECT ${selectList} FROM ${query.from} LIMIT 0`, params);
  return xmlRowsSql(
    query.columns.map((c, j) => ({ name: c.name, expr: exprs[j]!, type: types[j]!, plain: c.double })),
    params,
    rest,
  );
}

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
  const exprs = outputExprs(query.columns, format);
  const selectList = exprs.map((e, j) => `${e} AS ${quoteIdent(query.columns[j]!.name)}`).join(', ');
  const rest =
    `FROM ${query.from}` +
    (query.where !== undefined ? ` WHERE ${query.where}` : '') +
    (query.orderBy !== undefined ? ` ORDER BY ${query.orderBy}` : '');
  const sql = `SELECT ${selectList} ${rest}`;
  let rows = 0;
  if (format === 'xml') {
    const fast = await xmlRowsQuery(runner, query, exprs, selectList, params, rest);
    if (fast === undefined) {
      const { bytes } = await storage.writeAtomic(output, async (sink) => {
        rows = await runner.stream(sql, params, async (result) => (await writeXmlResult(result, sink)).rows);
      });
      return { rows, bytes };
    }
    const { bytes } = await storage.writeAtomicFile(output, async (tmpPath) => {
      rows = await runner.run(
        `COPY (${fast}) TO ${params.text(tmpPath)} (${XML_ROWS_COPY}, USE_TMP_FILE false)`,
        params,
      );
      // DuckDB puts a line between the prolog and the epilog even when there is no row.
      if (rows === 0) await writeFile(tmpPath, XML_PROLOG + XML_EPILOG);
    });
    return { rows, bytes };
  }
  if (rendersJsonRows(format, query.columns)) {
    const lines = `SELECT ${jsonRowsSql(query.columns, params)} AS json_row ${rest}`;
    const { bytes } = await storage.writeAtomicFile(output, async (tmpPath) => {
      rows = await runner.run(
        `COPY (${lines}) TO ${params.text(tmpPath)} (${jsonRowsCopy(format)}, USE_TMP_FILE false)`,
        params,
      );
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
