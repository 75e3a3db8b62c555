/**
 * Reads a result file the service wrote, in any output format, with parsers
 * independent of the engine's writers, and compares it with an expected table.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { XMLParser } from 'fast-xml-parser';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import Papa from 'papaparse';
import type { Row } from './sales.js';

/** A table read back: its column names (file order) and rows. */
export interface ReadTable {
  readonly columns: readonly string[];
  readonly rows: readonly Record<string, unknown>[];
}

function readCsv(text: string): ReadTable {
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  if (parsed.errors.length > 0)
    throw new Error(`CSV output is malformed: ${parsed.errors[0]?.message ?? ''}`);
  return { columns: parsed.meta.fields ?? [], rows: parsed.data };
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
  const parser = new XMLParser({ parseTagValue: false, isArray: (name, jpath) => jpath === 'rows.row' });
  const doc = parser.parse(text) as { rows?: { row?: Record<string, unknown>[] } | '' };
  const rows = (typeof doc.rows === 'object' ? doc.rows.row : undefined) ?? [];
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  return { columns, rows };
}

async function readParquet(file: string): Promise<ReadTable> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const rows = await parquetReadObjects({ file: buffer, metadata, compressors });
  return { columns, rows };
}

/**
 * Reads a result file.
 *
 * @param file - absolute path on the storage
 * @param format - the job's `output_format`
 */
export async function readOutput(file: string, format: string): Promise<ReadTable> {
  if (format === 'parquet') return readParquet(file);
  const text = await readFile(file, 'utf8');
  switch (format) {
    case 'csv':
      return readCsv(text);
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
