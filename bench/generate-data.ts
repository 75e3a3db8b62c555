/**
 * Generates the benchmark data set, deterministically and streamed to disk:
 * id, cat10 (10 keys), cat1000 (1,000 keys), int and float with ~5% nulls,
 * a date and a boolean. CSV is written here; DuckDB converts it to Parquet
 * (snappy and zstd) so the engine reads files from an independent writer.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';

/** Paths of one generated data set. */
export interface DataSet {
  readonly csv: string;
  readonly parquetSnappy: string;
  readonly parquetZstd: string;
}

/** A small fast PRNG (mulberry32), so every run generates the same data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function writeCsv(file: string, rows: number): Promise<void> {
  const random = prng(42);
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  out.write('id,cat10,cat1000,int,float,date,bool\n');
  const day0 = Date.UTC(2020, 0, 1);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const int = random() < 0.05 ? '' : String(Math.floor(random() * 2_000_000) - 1_000_000);
    const float = random() < 0.05 ? '' : String(Math.round((random() * 2000 - 1000) * 1e6) / 1e6);
    const date = new Date(day0 + Math.floor(random() * 1500) * 86_400_000).toISOString().slice(0, 10);
    chunk += `${i},c${Math.floor(random() * 10)},k${Math.floor(random() * 1000)},${int},${float},${date},${random() < 0.5}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  await rename(tmp, file);
}

/**
 * The data set of `rows` rows under `dir`, generated if missing.
 *
 * @returns the paths of its CSV and Parquet copies
 */
export async function ensureDataSet(dir: string, rows: number): Promise<DataSet> {
  await mkdir(dir, { recursive: true });
  const base = path.join(dir, `data-${rows}`);
  const set = {
    csv: `${base}.csv`,
    parquetSnappy: `${base}.snappy.parquet`,
    parquetZstd: `${base}.zstd.parquet`,
  };
  if (!existsSync(set.csv)) await writeCsv(set.csv, rows);
  const db = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    for (const [file, codec] of [
      [set.parquetSnappy, 'snappy'],
      [set.parquetZstd, 'zstd'],
    ] as const) {
      if (existsSync(file)) continue;
      await db.run(
        `COPY (SELECT * FROM read_csv('${set.csv}', header = true)) TO '${file}.tmp' (FORMAT parquet, COMPRESSION ${codec})`,
      );
      await rename(`${file}.tmp`, file);
    }
  } finally {
    db.closeSync();
  }
  return set;
}
