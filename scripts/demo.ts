/**
 * `npm run demo`: a live tour of the service in under a minute. Starts the
 * local stack if none answers on PORT (3000), puts a small sales data set
 * in every format on the storage (`demo/sales.*`), runs each operation on
 * each through the HTTP API with a token, and prints each request, its job's
 * life and a preview of its result. Uses the same HDFS_ROOT as `npm start`.
 */
import * as aq from 'arquero';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signToken } from '../lib/auth/token.js';
import { loadConfig } from '../lib/config.js';
import { openSource } from '../lib/readers/index.js';
import { Storage } from '../lib/storage/storage.js';
import type { ColumnSpec, InputFormat, OutputFormat, Scalar } from '../lib/types.js';
import { createWriter } from '../lib/writers/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const url = `http://127.0.0.1:${process.env.PORT ?? '3000'}`;
const storage = Storage.fromEnv();
const FORMATS: OutputFormat[] = ['csv', 'json', 'ndjson', 'xml', 'parquet'];

const SCHEMA: ColumnSpec[] = [
  { name: 'region', type: 'string' },
  { name: 'city', type: 'string' },
  { name: 'product', type: 'string' },
  { name: 'quantity', type: 'number' },
  { name: 'unit_price', type: 'number' },
  { name: 'paid', type: 'boolean' },
];
const SALES: Record<string, Scalar[]> = {
  region: ['Nord', 'Nord', 'Sud', 'Sud', 'Est', 'Est', 'Ouest', 'Nord', 'Sud', null, 'Ouest', 'Est'],
  city: [
    'Lille',
    'Lille',
    'Marseille',
    'Nice',
    'Strasbourg',
    'Metz',
    'Nantes',
    'Amiens',
    'Toulon',
    'Paris',
    'Brest',
    'Nancy',
  ],
  product: [
    'café',
    'thé',
    'café',
    'chocolat',
    'thé',
    'café',
    'chocolat',
    'café',
    'thé',
    'café',
    'café',
    'chocolat',
  ],
  quantity: [12, 5, 20, null, 7, 14, 9, 3, 11, 8, null, 6],
  unit_price: [4.5, 3.2, 4.5, 6.9, 3.2, 4.7, 6.5, 4.5, 3.1, 5.0, 4.6, 7.1],
  paid: [true, true, false, true, null, true, false, true, true, false, true, true],
};

const REQUESTS = [
  {
    op: 'group_by',
    body: { columns: ['region'], aggregations: { quantity: ['sum', 'mean'], unit_price: ['max'] } },
  },
  { op: 'non_null', body: { columns: ['region', 'quantity'] } },
  { op: 'stats', body: { columns: ['quantity', 'unit_price'] } },
];

async function putDataSet(): Promise<void> {
  for (const format of FORMATS) {
    const rel = `demo/sales.${format}`;
    if (await storage.exists(rel)) continue;
    await storage.writeAtomic(rel, async (sink) => {
      const writer = createWriter(format, sink, SCHEMA);
      await writer.write(aq.table(SALES));
      await writer.close();
    });
  }
}

async function healthy(token: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(2000),
    });
    return res.status === 200;
  } catch {
    return false;
  }
}

async function startStack(): Promise<ChildProcess> {
  console.log(`no stack answers on ${url}: starting one (npm start)…`);
  const child = spawn(
    process.execPath,
    ['--no-warnings=ExperimentalWarning', '--import', 'tsx', 'scripts/start.ts'],
    {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // The stack's own logs would drown the tour: kept, and shown only if it fails to start.
  let logs = '';
  child.stderr!.on('data', (chunk: Buffer) => (logs = (logs + chunk.toString()).slice(-20_000)));
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('Stack ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the stack exited (${code}):\n${logs}${seen}`)));
  });
  child.stdout!.resume();
  return child;
}

async function preview(output: string, format: OutputFormat): Promise<string> {
  const file = await storage.resolveExisting(output);
  if (format !== 'parquet') return (await readFile(file, 'utf8')).split('\n').slice(0, 6).join('\n    ');
  const rows: unknown[] = [];
  for await (const b of openSource(file, format as InputFormat, {}).batches())
    rows.push(...b.table.objects());
  return rows
    .slice(0, 5)
    .map((r) => JSON.stringify(r))
    .join('\n    ');
}

const token = await signToken({ sub: 'demo', ttl: '1h' }, loadConfig().jwtSecret);
const started = Date.now();
const stack = (await healthy(token)) ? undefined : await startStack();
try {
  await putDataSet();
  console.log(`storage: ${storage.root} (demo/sales.{${FORMATS.join(',')}})\n`);
  for (const format of FORMATS) {
    for (const { op, body } of REQUESTS) {
      const request = { input: `demo/sales.${format}`, ...body };
      console.log(`POST /compute/${op}  ${JSON.stringify(request)}`);
      const res = await fetch(`${url}/compute/${op}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', prefer: 'wait=20' },
        body: JSON.stringify(request),
      });
      const job = (await res.json()) as Record<string, unknown>;
      if (res.status !== 200 || job.status !== 'succeeded') {
        console.log(`  → ${res.status} ${JSON.stringify(job)}\n`);
        continue;
      }
      console.log(
        `  → ${res.status} job ${String(job.job_id)}: queued ${String(job.submitted_at).slice(11, 23)} → started ${String(job.started_at).slice(11, 23)} → ${String(job.status)} in ${String(job.duration_ms)} ms, attempt ${String(job.attempts)}, ${String(job.rows_in)} rows in, ${String(job.rows_out)} out`,
      );
      console.log(
        `  ${String(job.output)}:\n    ${await preview(String(job.output), job.output_format as OutputFormat)}\n`,
      );
    }
  }
  console.log(`demo done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  stack?.kill('SIGTERM');
}
