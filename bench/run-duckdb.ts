/**
 * Child process of the benchmark: runs one SQL query with DuckDB on a given
 * number of threads and prints `{ms, cpu_ms, rss_mb, rows}` as JSON (rows as JS values).
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
const cpu = process.cpuUsage();
const started = performance.now();
const reader = await db.runAndReadAll(sql);
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
// CPU time (all threads) is steadier than wall time on a shared machine, as in run-engine.ts.
const cpu_ms = (used.user + used.system) / 1000;
const rss_mb = peakRssMb();
const rows = reader
  .getRowObjectsJS()
  .map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])),
  );
process.stdout.write(JSON.stringify({ ms, cpu_ms, rss_mb, rows }) + '\n');
db.closeSync();
