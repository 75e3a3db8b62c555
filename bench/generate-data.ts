/**
 * Generates the benchmark data sets, deterministically (seeded PRNG) and
 * streamed to disk: id, cat10 (10 keys), cat1000 (1,000 keys), int and float
 * with ~5% nulls, a date and a boolean. The CSV is written here; DuckDB
 * converts it to Parquet (snappy, zstd), JSON and NDJSON, so the engine reads
 * files from an independent writer; XML is written here from the CSV. Files
 * that exist are reused: a name is only given to a finished file.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { prng } from './prng.js';

/** The copies of a data set, by benchmark format label. */
export const FORMATS = ['csv', 'parquet-snappy', 'parquet-zstd', 'json', 'ndjson', 'xml'] as const;
/** One copy of a data set. */
export type BenchFormat = (typeof FORMATS)[number];

/** File extension of each copy (the engine picks its reader from it). */
const EXTENSIONS: Record<BenchFormat, string> = {
  csv: 'csv',
  'parquet-snappy': 'snappy.parquet',
  'parquet-zstd': 'zstd.parquet',
  json: 'json',
  ndjson: 'ndjson',
  xml: 'xml',
};

/** CSV columns, in order. */
const COLUMNS = ['id', 'cat10', 'cat1000', 'int', 'float', 'date', 'bool'] as const;

/** Writes text lines through a stream with backpressure, 1 MiB at a time. */
async function writeLines(file: string, lines: AsyncIterable<string> | Iterable<string>): Promise<void> {
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  let chunk = '';
  for await (const line of lines) {
    chunk += line;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  await rename(tmp, file);
}

function* csvLines(rows: number): Generator<string> {
  const random = prng(42);
  const day0 = Date.UTC(2020, 0, 1);
  yield `${COLUMNS.join(',')}\n`;
  for (let i = 0; i < rows; i++) {
    const int = random() < 0.05 ? '' : String(Math.floor(random() * 2_000_000) - 1_000_000);
    const float = random() < 0.05 ? '' : String(Math.round((random() * 2000 - 1000) * 1e6) / 1e6);
    const date = new Date(day0 + Math.floor(random() * 1500) * 86_400_000).toISOString().slice(0, 10);
    yield `${i},c${Math.floor(random() * 10)},k${Math.floor(random() * 1000)},${int},${float},${date},${random() < 0.5}\n`;
  }
}

/** The CSV as XML records; an empty (null) cell is an absent element, as XML writers usually do. */
async function* xmlLines(csv: string): AsyncGenerator<string> {
  yield '<?xml version="1.0" encoding="UTF-8"?>\n<rows>\n';
  let header = true;
  for await (const line of createInterface({ input: createReadStream(csv), crlfDelay: Infinity })) {
    if (header) {
      header = false;
      continue;
    }
    const cells = line.split(',');
    let record = '<row>';
    for (let j = 0; j < COLUMNS.length; j++) {
      if (cells[j] !== '') record += `<${COLUMNS[j]}>${cells[j]}</${COLUMNS[j]}>`;
    }
    yield `${record}</row>\n`;
  }
  yield '</rows>\n';
}

/** The DuckDB `COPY … TO` options that write each DuckDB-made copy. */
const DUCKDB_COPIES: Partial<Record<BenchFormat, string>> = {
  'parquet-snappy': 'FORMAT parquet, COMPRESSION snappy',
  'parquet-zstd': 'FORMAT parquet, COMPRESSION zstd',
  json: 'FORMAT json, ARRAY true',
  ndjson: 'FORMAT json',
};

/** Path of one copy of the `rows`-row data set under `dir`. */
export function dataFile(dir: string, rows: number, format: BenchFormat): string {
  return path.join(dir, `data-${rows}.${EXTENSIONS[format]}`);
}

/**
 * Makes sure the copies `formats` of the `rows`-row data set exist under
 * `dir` (the CSV always, as the source of the others).
 *
 * @returns the path of each copy asked for
 */
export async function ensureDataSet(
  dir: string,
  rows: number,
  formats: readonly BenchFormat[],
): Promise<Map<BenchFormat, string>> {
  await mkdir(dir, { recursive: true });
  const csv = dataFile(dir, rows, 'csv');
  if (!existsSync(csv)) await writeLines(csv, csvLines(rows));
  const files = new Map<BenchFormat, string>([['csv', csv]]);
  let db: Awaited<ReturnType<DuckDBInstance['connect']>> | undefined;
  try {
    for (const format of formats) {
      const file = dataFile(dir, rows, format);
      files.set(format, file);
      if (existsSync(file)) continue;
      const copy = DUCKDB_COPIES[format];
      if (format === 'xml') await writeLines(file, xmlLines(csv));
      else if (copy !== undefined) {
        db ??= await (await DuckDBInstance.create(':memory:')).connect();
        await db.run(`COPY (SELECT * FROM read_csv('${csv}', header = true)) TO '${file}.tmp' (${copy})`);
        await rename(`${file}.tmp`, file);
      }
    }
  } finally {
    db?.closeSync();
  }
  return files;
}

// `tsx bench/generate-data.ts ROWS…` generates every copy ahead of a run.
if (import.meta.url === `file://${process.argv[1]}`) {
  const here = path.dirname(new URL(import.meta.url).pathname);
  for (const rows of process.argv.slice(2).map(Number)) {
    await ensureDataSet(path.join(here, 'data'), rows, FORMATS);
    console.log(`data-${rows}: ready`);
  }
}
