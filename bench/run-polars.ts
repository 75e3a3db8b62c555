/**
 * Child process of the benchmark: runs one case with nodejs-polars on one
 * input copy and prints `{ms, rss_mb, rows, rows_out}` as JSON. Polars fixes
 * its thread pool from `POLARS_MAX_THREADS` when it loads, once per process,
 * so the parent starts one child per thread count.
 *
 * Arguments: case id, input format, input file, output file (`non_null`).
 */
import { polarsReads, runCase } from './polars-cases.js';
import type { BenchFormat } from './generate-data.js';
import { peakRssMb } from './peak-rss.js';

const [id, format, file, out] = process.argv.slice(2) as [string, BenchFormat, string, string];
if (!polarsReads(format)) throw new Error(`polars has no reader for ${format}`);
let ms = 0;
let rss_mb = 0;
const outcome = runCase(id, format, file, out, (work) => {
  const started = performance.now();
  work();
  ms = performance.now() - started;
  // Before the answer becomes JS objects: the operation's peak, not the report's.
  rss_mb = peakRssMb();
});
process.stdout.write(JSON.stringify({ ms, rss_mb, ...outcome }) + '\n');
