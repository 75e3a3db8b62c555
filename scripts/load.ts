/**
 * `npm run load -- [--clients 50] [--seconds 30] [--wait-jobs 100] [--submit-only] [--url http://127.0.0.1:3000]`:
 * a bounded load against a running `npm start` (loopback only), in three phases.
 *
 * 1. Submissions: each client submits `stats` jobs on a small CSV back to back for the given time.
 *    Reports accepted submissions per second, p50/p99 latency of the 202, 429 refusals, other errors.
 * 2. Drain: waits until every accepted job has ended, then checks each one: `succeeded`, and its
 *    output file equal, byte for byte, to the engine's own answer computed here. Counts them.
 * 3. `Prefer: wait`: `--wait-jobs` jobs on a 1,000-row CSV, one at a time, answered with the finished
 *    job; reports p50/p99 of the whole round trip.
 *
 * `--submit-only` stops after phase 1 (to measure the API alone, e.g. with the worker paused).
 * Inputs are written under `<HDFS_ROOT>/load/` (the stack's storage, `local-hdfs` by default); the
 * token is signed with the stack's secret (`JWT_SECRET` or the development default).
 */
import { Agent, request } from 'node:http';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runCompute } from '../lib/engine/index.js';
import { Storage } from '../lib/storage/storage.js';
import { serviceHooks } from './start-hooks.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SMALL_INPUT = 'load/sales.csv';
const WAIT_INPUT = 'load/rows-1000.csv';
const SMALL_BODY = { input: SMALL_INPUT, columns: ['amount', 'qty'] };
const LIMITS = { clients: 500, seconds: 300, waitJobs: 10_000 } as const;

interface Options {
  url: URL;
  clients: number;
  seconds: number;
  waitJobs: number;
  submitOnly: boolean;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: `http://127.0.0.1:${process.env.PORT ?? '3000'}` },
      clients: { type: 'string', default: '50' },
      seconds: { type: 'string', default: '30' },
      'wait-jobs': { type: 'string', default: '100' },
      'submit-only': { type: 'boolean', default: false },
    },
  });
  const url = new URL(values.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error('the load script only targets a stack on this machine (127.0.0.1)');
  }
  const int = (raw: string, name: string, max: number, min = 1): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be ${min}..${max}`);
    return n;
  };
  return {
    url,
    clients: int(values.clients, 'clients', LIMITS.clients),
    seconds: int(values.seconds, 'seconds', LIMITS.seconds),
    waitJobs: int(values['wait-jobs'], 'wait-jobs', LIMITS.waitJobs, 0),
    submitOnly: values['submit-only'],
  };
}

/** A plain keep-alive HTTP client: lighter than fetch, so the load generator leaves the CPU to the stack. */
function httpClient(base: URL, token: string, sockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method,
          path: route,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString(),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
}
type Client = ReturnType<typeof httpClient>;

const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (v: number): string => `${v.toFixed(1)} ms`;
const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

interface Tally {
  accepted: string[];
  latencies: number[];
  refused: number;
  errors: Map<string, number>;
}

async function submitter(http: Client, until: number, tally: Tally): Promise<void> {
  while (Date.now() < until) {
    const started = performance.now();
    const reply = await http('POST', '/compute/stats', SMALL_BODY).catch((err: Error) => err);
    if (reply instanceof Error) {
      tally.errors.set(reply.message, (tally.errors.get(reply.message) ?? 0) + 1);
      continue;
    }
    if (reply.status === 202) {
      tally.accepted.push((JSON.parse(reply.body) as { job_id: string }).job_id);
      tally.latencies.push(performance.now() - started);
    } else if (reply.status === 429) {
      tally.refused += 1;
      // Honour Retry-After, bounded so that the run stays short.
      await sleep(Math.min(Number(reply.headers['retry-after'] ?? '1'), 1) * 1000);
    } else {
      const key = `HTTP ${reply.status}`;
      tally.errors.set(key, (tally.errors.get(key) ?? 0) + 1);
    }
  }
}

interface Ended {
  status: string;
  output: string;
}

async function waitUntilEnded(http: Client, ids: readonly string[]): Promise<Map<string, Ended>> {
  const ended = new Map<string, Ended>();
  const pending = [...ids];
  const poller = async (): Promise<void> => {
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      for (;;) {
        const job = JSON.parse((await http('GET', `/jobs/${id}`)).body) as {
          status?: string;
          output?: string;
        };
        if (job.status && !['queued', 'running'].includes(job.status)) {
          ended.set(id, { status: job.status, output: job.output ?? '' });
          break;
        }
        await sleep(100);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, poller));
  return ended;
}

/** The engine's own answer for the load's job, computed in this process on a copy of the input. */
async function expectedOutput(root: string): Promise<Buffer> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'load-expected-'));
  try {
    await mkdir(path.join(scratch, 'load'));
    await copyFile(path.join(root, SMALL_INPUT), path.join(scratch, SMALL_INPUT));
    await runCompute(new Storage(scratch), {
      operation: 'stats',
      ...SMALL_BODY,
      output: 'expected.csv',
      output_format: 'csv',
    });
    return await readFile(path.join(scratch, 'expected.csv'));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function checkOutputs(root: string, ended: Map<string, Ended>): Promise<Map<string, number>> {
  const expected = await expectedOutput(root);
  const verdicts = new Map<string, number>();
  const count = (k: string): void => void verdicts.set(k, (verdicts.get(k) ?? 0) + 1);
  for (const job of ended.values()) {
    if (job.status !== 'succeeded') count(`status ${job.status}`);
    else {
      const actual = await readFile(path.join(root, job.output)).catch(() => undefined);
      count(actual === undefined ? 'output missing' : actual.equals(expected) ? 'correct' : 'output differs');
    }
  }
  return verdicts;
}

async function waitedJobs(http: Client, n: number): Promise<{ latencies: number[]; failures: number }> {
  const latencies: number[] = [];
  let failures = 0;
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const reply = await http(
      'POST',
      '/compute/stats',
      { input: WAIT_INPUT, columns: ['value'] },
      { prefer: 'wait=10' },
    );
    const status = reply.status === 200 ? (JSON.parse(reply.body) as { status?: string }).status : undefined;
    if (status === 'succeeded') latencies.push(performance.now() - started);
    else failures += 1;
  }
  return { latencies: latencies.sort((a, b) => a - b), failures };
}

async function prepareInputs(root: string): Promise<void> {
  await mkdir(path.join(root, 'load'), { recursive: true });
  await copyFile(path.join(repo, 'tests/fixtures/e2e/sales.csv'), path.join(root, SMALL_INPUT));
  const rows = Array.from({ length: 1000 }, (_, i) => `${i},g${i % 7},${((i * 37) % 101) / 4}`);
  await writeFile(path.join(root, WAIT_INPUT), `id,group,value\n${rows.join('\n')}\n`);
}

async function main(): Promise<void> {
  const opts = options();
  const root = path.resolve(repo, process.env.HDFS_ROOT || 'local-hdfs');
  await prepareInputs(root);
  const http = httpClient(opts.url, await (await serviceHooks()).token('load', '1h'), opts.clients);
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);

  out(`load: ${opts.clients} clients × ${opts.seconds} s against ${opts.url.origin}`);
  const tally: Tally = { accepted: [], latencies: [], refused: 0, errors: new Map() };
  const t0 = performance.now();
  const until = Date.now() + opts.seconds * 1000;
  await Promise.all(Array.from({ length: opts.clients }, () => submitter(http, until, tally)));
  const submitSeconds = (performance.now() - t0) / 1000;
  const sorted = [...tally.latencies].sort((a, b) => a - b);
  out(
    `accepted      ${tally.accepted.length} jobs in ${submitSeconds.toFixed(1)} s = ` +
      `${(tally.accepted.length / submitSeconds).toFixed(1)} submissions/s`,
  );
  out(
    `202 latency   p50 ${ms(percentile(sorted, 50))}, p90 ${ms(percentile(sorted, 90))}, ` +
      `p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted.at(-1) ?? Number.NaN)}`,
  );
  out(`refused 429   ${tally.refused}`);
  out(`other errors  ${tally.errors.size === 0 ? 'none' : JSON.stringify(Object.fromEntries(tally.errors))}`);
  if (opts.submitOnly) return;

  const ended = await waitUntilEnded(http, tally.accepted);
  const drained = (performance.now() - t0) / 1000;
  out(
    `all ended     ${drained.toFixed(1)} s after the start (${(drained - submitSeconds).toFixed(1)} s after the last submission)`,
  );
  out(
    `outcomes      ${JSON.stringify(Object.fromEntries(await checkOutputs(root, ended)))} of ${tally.accepted.length}`,
  );

  if (opts.waitJobs > 0) {
    const waited = await waitedJobs(http, opts.waitJobs);
    out(
      `Prefer: wait  ${waited.latencies.length} jobs of 1,000 rows, one at a time: p50 ${ms(percentile(waited.latencies, 50))}, ` +
        `p99 ${ms(percentile(waited.latencies, 99))}, not succeeded ${waited.failures}`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`load failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
