/**
 * `npm run demo`: a live tour of the service in under a minute. Starts the
 * local stack if none answers on PORT (3000), puts a small sales data set
 * in every format on the storage (`demo/sales.*`), runs each operation on
 * each through the HTTP API with a token, and prints each request, its job's
 * life and a preview of its result through `GET /jobs/{id}/result?limit=5`,
 * as a table. Uses the same HDFS_ROOT as `npm start`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueToken } from '../lib/auth/token.js';
import { loadConfig } from '../lib/config.js';
import { DEMO_FORMATS, putDemoDataSet } from '../lib/local/demo-data.js';
import { Storage } from '../lib/storage/storage.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const url = `http://127.0.0.1:${process.env.PORT ?? '3000'}`;
// The demo's user: with STORAGE_SCOPE=user its files go under users/demo/, where the API looks for them.
const storage = Storage.fromEnv().forUser('demo');
const FORMATS = DEMO_FORMATS;

const REQUESTS = [
  {
    op: 'group_by',
    body: { columns: ['region'], aggregations: { quantity: ['sum', 'mean'], unit_price: ['max'] } },
  },
  { op: 'non_null', body: { columns: ['region', 'quantity'] } },
  { op: 'stats', body: { columns: ['quantity', 'unit_price'] } },
];

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

/** The JSON preview of a result, `GET /jobs/{id}/result?limit=N`. */
interface Preview {
  readonly columns: string[];
  readonly rows: (string | number | boolean | null)[][];
}

/** Rows of a preview as an aligned text table (null as ∅, long cells cut). */
function table({ columns, rows }: Preview): string {
  const text = (cell: unknown): string => {
    const s = cell === null ? '∅' : String(cell);
    return s.length > 24 ? `${s.slice(0, 23)}…` : s;
  };
  const lines = [columns.map(text), ...rows.map((row) => row.map(text))];
  const widths = columns.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  const format = (line: string[]) =>
    line
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join(' │ ')
      .trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  return [format(lines[0]!), rule, ...lines.slice(1).map(format)].join('\n    ');
}

/** The first rows of a job's result through the API, whatever its format, as a table. */
async function preview(token: string, id: string, limit = 5): Promise<string> {
  const route = `/jobs/${id}/result?limit=${limit}`;
  const res = await fetch(`${url}${route}`, { headers: { authorization: `Bearer ${token}` } });
  const head = `GET ${route}  → ${res.status} ${res.headers.get('content-type') ?? ''}`;
  if (res.status !== 200) return `${head}\n    ${await res.text()}`;
  return `${head}\n    ${table((await res.json()) as Preview)}`;
}

const config = loadConfig();
const token = await issueToken({ sub: 'demo', ttl: '1h' }, config.auth, config.jwtSecret);
const started = Date.now();
const stack = (await healthy(token)) ? undefined : await startStack();
try {
  await putDemoDataSet(storage);
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
      console.log(`  ${String(job.output)} (${String(job.output_format)}):`);
      console.log(`  ${await preview(token, String(job.job_id))}\n`);
    }
  }
  console.log(`demo done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  stack?.kill('SIGTERM');
}
