/**
 * Reads a result file the service wrote, in any output format, with parsers
 * independent of the engine's writers, and compares it with an expected table.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import pl from 'nodejs-polars';
import { parseXmlRows } from '../../unit/support/read-back.js';
import type { Row } from './sales.js';

/** A table read back: its column names (file order) and rows. */
export interface ReadTable {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

/** CSV and Parquet through nodejs-polars, every CSV cell as text (as a client's parser would see it). */
function readWithPolars(file: string, format: 'csv' | 'parquet'): ReadTable {
  const df = format === 'csv' ? pl.readCSV(file, { inferSchemaLength: 0 }) : pl.readParquet(file);
  return { columns: df.columns, rows: df.toRecords() };
}

function readJsonArray(text: string): ReadTable {
  const rows = JSON.parse(text) as Record<string, unknown>[];
  if (!Array.isArray(rows)) throw new Error('JSON output is not an array');
  return { columns: Object.keys(rows[0] ?? {}), rows };
}

function readNdjson(text: string): ReadTable {
  const rows = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { columns: Object.keys(rows[0] ?? {}), rows };
}

function readXml(text: string): ReadTable {
  const rows = parseXmlRows(text);
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  return { columns, rows };
}

/**
 * Reads a result file.
 *
 * @param file - absolute path on the storage
 * @param format - the job's `output_format`
 */
export async function readOutput(file: string, format: string): Promise<ReadTable> {
  if (format === 'parquet' || format === 'csv') return readWithPolars(file, format);
  const text = await readFile(file, 'utf8');
  switch (format) {
    case 'json':
      return readJsonArray(text);
    case 'ndjson':
      return readNdjson(text);
    case 'xml':
      return readXml(text);
    default:
      throw new Error(`unknown output format ${format}`);
  }
}

/** The same value as the expected cell? Text formats give numbers as strings and nulls as '' or nothing. */
function sameCell(actual: unknown, expected: Row[string]): boolean {
  if (expected === null) return actual === null || actual === undefined || actual === '';
  if (typeof expected === 'number') {
    const n =
      typeof actual === 'bigint' ? Number(actual) : typeof actual === 'string' ? Number(actual) : actual;
    if (typeof n !== 'number' || Number.isNaN(n)) return false;
    return Math.abs(n - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
  }
  return actual === expected;
}

/**
 * Lists every difference between a table read back and the expected rows;
 * an empty list means equal. Column order is checked except for XML, whose
 * rows omit null fields.
 *
 * @param table - from {@link readOutput}
 * @param format - the output format
 * @param columns - expected column names, in order
 * @param rows - expected rows, in order
 */
export function differences(
  table: ReadTable,
  format: string,
  columns: readonly string[],
  rows: readonly Row[],
): string[] {
  const problems: string[] = [];
  const actualColumns = format === 'xml' ? [...table.columns].sort() : [...table.columns];
  const wantedColumns = format === 'xml' ? [...columns].sort() : [...columns];
  if (JSON.stringify(actualColumns) !== JSON.stringify(wantedColumns)) {
    problems.push(`columns ${JSON.stringify(table.columns)} instead of ${JSON.stringify(columns)}`);
  }
  if (table.rows.length !== rows.length) problems.push(`${table.rows.length} rows instead of ${rows.length}`);
  rows.forEach((want, i) => {
    const got = table.rows[i] ?? {};
    for (const column of columns) {
      if (!sameCell(got[column], want[column] ?? null)) {
        problems.push(
          `row ${i} column ${column}: ${JSON.stringify(String(got[column]))} ≠ ${JSON.stringify(want[column])}`,
        );
      }
    }
  });
  return problems;
}
