/**
 * `npm run load -- [--clients 50] [--seconds 10] [--url http://127.0.0.1:3000]`: a short, bounded
 * load against a running `npm start` (loopback only). Each client submits `stats` jobs on a small CSV
 * back to back for the given time; the script then waits until every accepted job has finished and
 * prints: accepted submissions per second, the p50/p99 latency of the 202 answers, how many were
 * refused with 429 (backpressure), and the time until the queue drained.
 *
 * It writes its input to `<HDFS_ROOT>/load/sales.csv` (the stack's storage, `local-hdfs` by default)
 * and signs its token with the stack's secret (`JWT_SECRET` or the development default).
 */
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { serviceHooks } from './start-hooks.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const INPUT = 'load/sales.csv';
const LIMITS = { clients: 200, seconds: 60 } as const;

interface Tally {
  accepted: string[];
  latencies: number[];
  refused: number;
  errors: Map<number, number>;
}

function options(): { url: URL; clients: number; seconds: number } {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: `http://127.0.0.1:${process.env.PORT ?? '3000'}` },
      clients: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '10' },
    },
  });
  const url = new URL(values.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error('the load script only targets a stack on this machine (127.0.0.1)');
  }
  const clients = Number(values.clients);
  const seconds = Number(values.seconds);
  if (!Number.isInteger(clients) || clients < 1 || clients > LIMITS.clients) {
    throw new Error(`--clients must be 1..${LIMITS.clients}`);
  }
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > LIMITS.seconds) {
    throw new Error(`--seconds must be in (0, ${LIMITS.seconds}]`);
  }
  return { url, clients, seconds };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function client(base: string, token: string, until: number, tally: Tally): Promise<void> {
  const body = JSON.stringify({ input: INPUT, columns: ['amount', 'qty'] });
  while (Date.now() < until) {
    const started = performance.now();
    const res = await fetch(`${base}/compute/stats`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    const text = await res.text();
    const elapsed = performance.now() - started;
    if (res.status === 202) {
      tally.accepted.push((JSON.parse(text) as { job_id: string }).job_id);
      tally.latencies.push(elapsed);
    } else if (res.status === 429) {
      tally.refused += 1;
      // Honour Retry-After, bounded so the run stays short.
      const wait = Math.min(Number(res.headers.get('retry-after') ?? '1'), 1) * 1000;
      await new Promise((r) => setTimeout(r, wait));
    } else {
      tally.errors.set(res.status, (tally.errors.get(res.status) ?? 0) + 1);
    }
  }
}

async function waitUntilFinished(
  base: string,
  token: string,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const statuses = new Map<string, number>();
  const pending = [...ids];
  const worker = async (): Promise<void> => {
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      for (;;) {
        const res = await fetch(`${base}/jobs/${id}`, { headers: { authorization: `Bearer ${token}` } });
        const job = (await res.json()) as { status?: string };
        if (job.status && !['queued', 'running'].includes(job.status)) {
          statuses.set(job.status, (statuses.get(job.status) ?? 0) + 1);
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return statuses;
}

async function main(): Promise<void> {
  const { url, clients, seconds } = options();
  const base = url.origin;
  const root = path.resolve(repo, process.env.HDFS_ROOT || 'local-hdfs');
  await mkdir(path.join(root, 'load'), { recursive: true });
  await copyFile(path.join(repo, 'tests/fixtures/e2e/sales.csv'), path.join(root, INPUT));
  const token = await (await serviceHooks()).token('load', '1h');

  const tally: Tally = { accepted: [], latencies: [], refused: 0, errors: new Map() };
  process.stdout.write(`load: ${clients} clients × ${seconds} s against ${base}\n`);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, () => client(base, token, Date.now() + seconds * 1000, tally)),
  );
  const submitSeconds = (performance.now() - t0) / 1000;
  const statuses = await waitUntilFinished(base, token, tally.accepted);
  const drainSeconds = (performance.now() - t0) / 1000;

  const sorted = [...tally.latencies].sort((a, b) => a - b);
  const lines = [
    `accepted      ${tally.accepted.length} jobs in ${submitSeconds.toFixed(1)} s = ${(tally.accepted.length / submitSeconds).toFixed(1)} submissions/s`,
    `202 latency   p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms`,
    `refused 429   ${tally.refused}`,
    `other errors  ${tally.errors.size === 0 ? 'none' : JSON.stringify(Object.fromEntries(tally.errors))}`,
    `all finished  ${drainSeconds.toFixed(1)} s after the start (${(drainSeconds - submitSeconds).toFixed(1)} s after the last submission)`,
    `outcomes      ${JSON.stringify(Object.fromEntries(statuses))}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`load failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
