/**
 * Child process of the benchmark: runs one SQL query with DuckDB on a given
 * number of threads and prints `{ms, rss_mb, rows}` as JSON (rows as JS values).
 *
 * Arguments: SQL, threads, and optionally a memory limit (e.g. `512MB`) and
 * the folder DuckDB spills to beyond it.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { peakRssMb } from './peak-rss.js';

const [sql, threads, memoryLimit, tempDirectory] = process.argv.slice(2) as [
  string,
  string,
  string?,
  string?,
];
const options: Record<string, string> = { threads };
if (memoryLimit !== undefined) options.memory_limit = memoryLimit;
if (tempDirectory !== undefined) options.temp_directory = tempDirectory;
const db = await (await DuckDBInstance.create(':memory:', options)).connect();
const started = performance.now();
const reader = await db.runAndReadAll(sql);
const ms = performance.now() - started;
const rss_mb = peakRssMb();
const rows = reader
  .getRowObjectsJS()
  .map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );
process.stdout.write(JSON.stringify({ ms, rss_mb, rows }) + '\n');
db.closeSync();
