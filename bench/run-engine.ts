/**
 * Child process of the benchmark: runs one computation with the engine and
 * prints `{ms, rss_mb, rows_out}` as JSON. Alone in its process, so its peak
 * RSS is the operation's (plus Node's and the modules' own memory). The
 * engine's own settings (e.g. `DUCKDB_MEMORY_LIMIT`) come from its environment. The engine's
 * database is opened before the timer starts, as a warm worker has it.
 */
import path from 'node:path';
import { connectTo } from '../lib/engine/database.js';
import { runCompute } from '../lib/engine/index.js';
import { Storage } from '../lib/storage/storage.js';
import { peakRssMb } from './peak-rss.js';

const [root, requestJson] = process.argv.slice(2) as [string, string];
const request = JSON.parse(requestJson) as Parameters<typeof runCompute>[1];
const storage = new Storage(path.resolve(root));
// A warm worker keeps its database open, as the DuckDB runner creates its instance before its timer:
// opening it (~0.1 s) is a cold start's cost, reported apart (docs/DEPLOY.md), not the operation's.
(await connectTo(await storage.realRoot())).closeSync();
const cpu = process.cpuUsage();
const started = performance.now();
const result = await runCompute(storage, request);
const ms = performance.now() - started;
const used = process.cpuUsage(cpu);
// CPU time (all threads, GC included) is steadier than wall time on a shared machine.
const cpu_ms = (used.user + used.system) / 1000;
process.stdout.write(JSON.stringify({ ms, cpu_ms, rss_mb: peakRssMb(), rows_out: result.rows_out }) + '\n');
