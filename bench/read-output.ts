/**
 * Reads a result file back for the benchmark's agreement check, without the
 * service's own readers: the check must not trust the code it checks, and
 * the engine's internals may change under it. DuckDB reads CSV, JSON, NDJSON
 * and Parquet; the XML results (flat `<rows><row><col>…</col></row></rows>`)
 * are read by a small scanner here.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { readFile } from 'node:fs/promises';

/** A result cell: what DuckDB gives as a JS value, or text for XML. */
export type Cell = string | number | boolean | null;

/** The output formats the engine writes. */
export type ResultFormat = 'csv' | 'json' | 'ndjson' | 'parquet' | 'xml';

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    return ENTITIES[name] ?? whole;
  });
}

/**
 * Parses the engine's flat XML output: one object per `<row>`, each child
 * element's decoded text under its name; an absent or empty element is null.
 */
export function parseFlatXml(xml: string): Record<string, Cell>[] {
  const rows: Record<string, Cell>[] = [];
  for (const [, body] of xml.matchAll(/<row>([\s\S]*?)<\/row>/g)) {
    const row: Record<string, Cell> = {};
    for (const [, name, text] of body!.matchAll(/<([^\s/>]+)(?:\s*\/>|>([\s\S]*?)<\/\1>)/g)) {
      row[name!] = text === undefined || text === '' ? null : decode(text);
    }
    rows.push(row);
  }
  return rows;
}

const READERS: Record<Exclude<ResultFormat, 'xml'>, string> = {
  csv: 'read_csv($1, header = true)',
  json: "read_json($1, format = 'array')",
  ndjson: 'read_ndjson($1)',
  parquet: 'read_parquet($1)',
};

/**
 * Every row of a result file, in file order; integers as JS numbers.
 *
 * @throws DuckDB's error when the file is missing or malformed
 */
export async function readResult(file: string, format: ResultFormat): Promise<Record<string, Cell>[]> {
  if (format === 'xml') return parseFlatXml(await readFile(file, 'utf8'));
  const db = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  try {
    const reader = await db.runAndReadAll(`SELECT * FROM ${READERS[format]}`, [file]);
    return reader.getRowObjectsJS().map((r) => {
      const row: Record<string, Cell> = {};
      for (const [k, v] of Object.entries(r)) {
        row[k] =
          typeof v === 'bigint' ? Number(v) : v === null || typeof v !== 'object' ? (v as Cell) : String(v);
      }
      return row;
    });
  } finally {
    db.closeSync();
  }
}
