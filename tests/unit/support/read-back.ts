import { readFile } from 'node:fs/promises';
import pl from 'nodejs-polars';
import type { OutputFormat } from '../../../lib/types.js';
import type { Row } from './reference.js';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(text: string): string {
  return text.replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, (all, e: string) => {
    if (e.startsWith('#x') || e.startsWith('#X')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    return ENTITIES[e] ?? all;
  });
}

/** The service's XML output: one `<row>` a line, one element a non-null cell. */
export function parseXmlRows(text: string): Row[] {
  const rows: Row[] = [];
  for (const match of text.matchAll(/<row>(.*?)<\/row>|<row\/>/g)) {
    const row: Row = {};
    for (const cell of (match[1] ?? '').matchAll(/<([^\s>/]+)>([\s\S]*?)<\/\1>/g)) {
      row[cell[1]!] = decodeXml(cell[2]!);
    }
    rows.push(row);
  }
  return rows;
}

const plain = (v: unknown): Row[string] =>
  v === undefined || v === null
    ? null
    : typeof v === 'bigint'
      ? Number(v)
      : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string'
        ? v
        : String(v);

/**
 * Reads a (small) output file back with tools independent of the engine:
 * nodejs-polars for CSV and Parquet, `JSON.parse` for JSON and NDJSON, a
 * regular expression for the service's line-per-row XML.
 */
export async function readBack(file: string, format: OutputFormat): Promise<Row[]> {
  if (format === 'xml') return parseXmlRows(await readFile(file, 'utf8'));
  if (format === 'json' || format === 'ndjson') {
    const text = await readFile(file, 'utf8');
    const records = (
      format === 'json'
        ? JSON.parse(text)
        : text
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as unknown)
    ) as Record<string, unknown>[];
    return records.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])));
  }
  const df = format === 'csv' ? pl.readCSV(file, { inferSchemaLength: 0 }) : pl.readParquet(file);
  return df.toRecords().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])));
}
