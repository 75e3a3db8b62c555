/**
 * XML load figures (issue 10): `loadXmlTable` plus a `count(*), avg(float)`
 * query on the XML copy of a data set, against DuckDB's `read_csv` on its CSV
 * copy, both on one DuckDB thread; peak RSS of each run (separate processes).
 *
 *   node --import tsx bench/xml-load.ts [rows=1000000]      (files from bench/generate-data.ts)
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { loadXmlTable } from '../lib/engine/xml/index.js';
import { ensureDataSet } from './generate-data.js';
import { peakRssMb } from './peak-rss.js';

const here = path.dirname(new URL(import.meta.url).pathname);
const [mode, arg] = process.argv.slice(2);

async function run(kind: 'xml' | 'csv', file: string): Promise<void> {
  const db = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let sql: string;
  if (kind === 'xml') {
    await loadXmlTable(db, file, 'data');
    sql = 'SELECT count(*), avg(TRY_CAST(float AS DOUBLE)) FROM data';
  } else sql = `SELECT count(*), avg(float) FROM read_csv('${file}', header = true)`;
  const rows = (await db.runAndReadAll(sql)).getRowsJS();
  const ms = performance.now() - started;
  // CPU time (all threads of the process) is steadier than wall time on a shared machine.
  const used = process.cpuUsage(cpu0);
  const cpu_ms = (used.user + used.system) / 1000;
  process.stdout.write(JSON.stringify({ ms, cpu_ms, rss_mb: peakRssMb(), rows: String(rows[0]) }) + '\n');
  db.closeSync();
}

if (mode === 'xml' || mode === 'csv') await run(mode, arg!);
else {
  const rows = Number(mode ?? 1_000_000);
  const files = await ensureDataSet(path.join(here, 'data'), rows, ['csv', 'xml']);
  const self = new URL(import.meta.url).pathname;
  for (let i = 0; i < 3; i++) {
    for (const kind of ['csv', 'xml'] as const) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', self, kind, files.get(kind)!], {
        encoding: 'utf8',
      });
      console.log(kind, out.trim());
    }
  }
}
