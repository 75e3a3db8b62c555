/**
 * `node --import tsx bench/jobs-table-bench.ts [--jobs 100000] [--list-at 10000] [--concurrency 16]`:
 * the job table's figures on the local server the stack runs (dynalite, persisted in a temporary folder).
 *
 * 1. Writes `--list-at` jobs of one user through `JobStore.create` (half of them then finished through
 *    `JobStore.update`, as a real history is), and times `list(limit 100)` (the `GET /jobs?limit=100` query)
 *    and `list(status=succeeded, limit 100)`: p50/p99 of 200 calls each.
 * 2. Goes on to `--jobs` jobs and reports the process's RSS (dynalite runs in this process, as in the stack)
 *    beside its RSS before dynalite started, and the LevelDB folder's size.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { JobStore } from '../lib/jobs/job-store.js';
import { createJobTableClient, ensureJobTable } from '../lib/jobs/job-table.js';
import { newJobId, transition, type Job } from '../lib/jobs/job.js';
import { startLocalDynamo } from '../lib/local/dynamodb-server.js';
import { Storage } from '../lib/storage/storage.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100000' },
    'list-at': { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
  },
});
const total = Number(values.jobs);
const listAt = Number(values['list-at']);
const concurrency = Number(values.concurrency);

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function folderSize(dir: string): Promise<number> {
  let size = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    size += entry.isDirectory() ? await folderSize(full) : (await stat(full)).size;
  }
  return size;
}

function job(i: number): Job {
  const id = newJobId(Date.now() - (total - i));
  return {
    job_id: id,
    status: 'queued',
    operation: 'stats',
    input: 'load/sales.csv',
    output: `results/${id}.csv`,
    output_format: 'csv',
    submitted_by: 'bench-user',
    submitted_at: new Date(Date.now() - (total - i)).toISOString(),
    started_at: null,
    finished_at: null,
    duration_ms: null,
    rows_in: null,
    rows_out: null,
    attempts: 0,
    progress: null,
    error: null,
    request: {
      operation: 'stats',
      input: 'load/sales.csv',
      columns: ['amount', 'qty'],
      output: `results/${id}.csv`,
      output_format: 'csv',
      format: 'csv',
    } as Job['request'],
  };
}

async function main(): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const dir = await mkdtemp(path.join(tmpdir(), 'jobs-table-bench-'));
  const db = await startLocalDynamo({ port: 0, dataDir: dir });
  const raw = new DynamoDBClient({
    endpoint: db.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await ensureJobTable(raw, 'bench-jobs');
  const store = new JobStore(
    new Storage(dir),
    {
      client: createJobTableClient({ region: 'us-east-1', dynamodbEndpoint: db.endpoint }),
      name: 'bench-jobs',
    },
    { retentionDays: 30 },
  );
  let written = 0;
  const writeUpTo = async (n: number): Promise<number> => {
    const t0 = performance.now();
    const from = written;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (written < n) {
          const i = written++;
          const j = job(i);
          await store.create(j);
          if (i % 2 === 0) await store.update(j.job_id, (current) => transition(current, 'cancelled'));
        }
      }),
    );
    return ((n - from) / (performance.now() - t0)) * 1000;
  };
  try {
    const rate = await writeUpTo(listAt);
    process.stdout.write(`wrote ${listAt} jobs (half then finished) at ${rate.toFixed(0)} jobs/s\n`);
    for (const [label, status] of [
      ['GET /jobs?limit=100', undefined],
      ['GET /jobs?status=cancelled&limit=100', 'cancelled'],
    ] as const) {
      const times: number[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        const page = await store.list('bench-user', {
          limit: 100,
          ...(status && { status }),
          ...(cursor && { cursor }),
        });
        times.push(performance.now() - t0);
        // Every fourth call follows the cursor, so later pages are timed too.
        cursor = i % 4 === 3 ? undefined : (page.next_cursor ?? undefined);
        if (page.jobs.length !== 100) throw new Error(`a page of ${page.jobs.length} jobs`);
      }
      times.sort((a, b) => a - b);
      process.stdout.write(
        `${label} with ${listAt} jobs of one user: p50 ${pct(times, 0.5).toFixed(1)} ms, p99 ${pct(times, 0.99).toFixed(1)} ms\n`,
      );
    }
    if (total > listAt) {
      const more = await writeUpTo(total);
      process.stdout.write(`wrote up to ${total} jobs at ${more.toFixed(0)} jobs/s\n`);
    }
    const usage = process.memoryUsage();
    process.stdout.write(
      `RSS with ${total} jobs: ${mb(usage.rss)} (this process before dynalite: ${mb(rssBefore)}; heap used ${mb(usage.heapUsed)}); ` +
        `LevelDB folder ${mb(await folderSize(dir))}\n`,
    );
  } finally {
    raw.destroy();
    store.table.client.destroy();
    await db.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
